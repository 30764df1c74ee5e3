#!/usr/bin/env bash
# Installs the Debian packages mlgate needs to build and test. Idempotent:
# installs only what is missing, and does nothing when everything is there.
# Usage: scripts/deps.sh [--check]   (--check: report only, install nothing)
set -eu

packages="build-essential pkg-config libgit2-dev libcjson-dev libcurl4-openssl-dev
libxml2-dev libcmocka-dev libssl-dev libxml2-utils git jq
libpcre2-dev libzstd-dev zlib1g-dev
libmicrohttpd-dev docker-registry curl openssl prometheus prometheus-pushgateway"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	echo "missing Debian packages:$missing" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "mlgate: cannot install packages (not root, no sudo); please install:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi

echo "mlgate: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing; } >&2; then
	echo "mlgate: installation failed; please install:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
