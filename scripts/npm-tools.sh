#!/usr/bin/env bash
# Installs the pinned npm clients the CI-template tests use into build/npm
# (tests/e2e/templates.sh calls it; `make npm-tools` too). Idempotent: does
# nothing when the pinned versions are already there.
#
#   gitlab-ci-local       runs the GitLab template's pipeline locally (shell executor)
#   @action-validator/cli validates the GitHub action and workflows
#   junit2json            an independent JUnit XML reader
#
# gitlab-ci-local copies the work tree with rsync: installed from Debian when
# missing (as root, or through sudo).
# Usage: scripts/npm-tools.sh [--check]   (--check: report only, install nothing)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${NPM_TOOLS_PREFIX:-$root/build/npm}
pins="gitlab-ci-local@4.53.0 @action-validator/cli@0.6.0 junit2json@4.0.0"

have_pin() { # have_pin NAME@VERSION
	local spec=$1 name version
	name=${spec%@*} version=${spec##*@}
	[ -f "$prefix/node_modules/$name/package.json" ] &&
		[ "$(node -p "require('$prefix/node_modules/$name/package.json').version" 2>/dev/null)" = "$version" ]
}

missing_npm=""
for p in $pins; do
	have_pin "$p" || missing_npm="$missing_npm $p"
done
missing_deb=""
command -v rsync >/dev/null 2>&1 || missing_deb="rsync"

if [ -z "$missing_npm" ] && [ -z "$missing_deb" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	[ -z "$missing_npm" ] || echo "missing npm packages in $prefix:$missing_npm" >&2
	[ -z "$missing_deb" ] || echo "missing Debian packages: $missing_deb" >&2
	exit 1
fi

if [ -n "$missing_deb" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "npm-tools: cannot install $missing_deb (not root, no sudo); please run: apt-get install -y $missing_deb" >&2
		exit 1
	fi
	echo "npm-tools: installing Debian packages: $missing_deb" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing_deb; } >&2; then
		echo "npm-tools: installation failed; please run: apt-get install -y $missing_deb" >&2
		exit 1
	fi
fi

if [ -n "$missing_npm" ]; then
	command -v npm >/dev/null 2>&1 || { echo "npm-tools: npm is missing (apt-get install -y npm)" >&2; exit 1; }
	echo "npm-tools: installing into $prefix:$missing_npm" >&2
	mkdir -p "$prefix"
	# All the pins at once, so npm never drops one installed before.
	# shellcheck disable=SC2086
	npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error $pins >&2
	for p in $pins; do
		have_pin "$p" || { echo "npm-tools: $p did not install" >&2; exit 1; }
	done
fi
