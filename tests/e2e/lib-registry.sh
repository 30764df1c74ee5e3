# Starts Debian's docker-registry (the CNCF distribution registry) on a free
# loopback port with its storage in the current folder. Sourced by tests.

# free_port: prints a loopback port nothing listens on.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_registry: exports REGISTRY_URL and REGISTRY_PID.
start_registry() {
	local port
	command -v docker-registry >/dev/null || { echo "docker-registry is not installed (scripts/deps.sh)"; return 1; }
	for _ in 1 2 3; do
		port=$(free_port) || return 1
		mkdir -p registry-data
		cat > registry.yml <<Y
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $PWD/registry-data
http:
  addr: 127.0.0.1:$port
Y
		docker-registry serve registry.yml > registry.log 2>&1 &
		REGISTRY_PID=$!
		for _ in $(seq 50); do
			if curl -sf "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
				export REGISTRY_URL="http://127.0.0.1:$port" REGISTRY_PID
				return 0
			fi
			kill -0 "$REGISTRY_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null
	done
	echo "docker-registry did not start:"; cat registry.log
	return 1
}

stop_registry() {
	[ -n "${REGISTRY_PID:-}" ] && kill "$REGISTRY_PID" 2>/dev/null && wait "$REGISTRY_PID" 2>/dev/null
	return 0
}

# push_blob REPO FILE: uploads a blob (POST then PUT with its digest); prints the digest.
push_blob() {
	local repo=$1 file=$2 digest loc sep
	digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
	loc=$(curl -sf -i -X POST "$REGISTRY_URL/v2/$repo/blobs/uploads/" | tr -d '\r' |
		awk -F': ' 'tolower($1) == "location" {print $2}')
	[ -n "$loc" ] || return 1
	case "$loc" in http*) ;; *) loc="$REGISTRY_URL$loc" ;; esac
	sep='?'; case "$loc" in *\?*) sep='&' ;; esac
	curl -sf -o /dev/null -X PUT -H "Content-Type: application/octet-stream" \
		--data-binary @"$file" "$loc${sep}digest=$digest" || return 1
	echo "$digest"
}

# push_model_artifact REPO TAG: a small model as an OCI artifact (config +
# one layer + manifest, as ModelPack lays it out); prints the manifest digest.
push_model_artifact() {
	local repo=$1 tag=$2 cfg layer
	printf '{"descriptor":{"name":"fraud","version":"3"}}' > artifact-config.json
	printf 'model weights %s' "$tag" > artifact-weights.bin
	cfg=$(push_blob "$repo" artifact-config.json) || return 1
	layer=$(push_blob "$repo" artifact-weights.bin) || return 1
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.cncf.model.manifest.v1+json","config":{"mediaType":"application/vnd.cncf.model.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.cncf.model.weight.v1.raw","digest":"%s","size":%d}]}' \
		"$cfg" "$(stat -c%s artifact-config.json)" "$layer" "$(stat -c%s artifact-weights.bin)" > artifact-manifest.json
	curl -sf -o /dev/null -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
		--data-binary @artifact-manifest.json "$REGISTRY_URL/v2/$repo/manifests/$tag" || return 1
	echo "sha256:$(sha256sum artifact-manifest.json | cut -d' ' -f1)"
}

# manifest_digest REPO TAG: the digest the registry reports for a tag.
manifest_digest() {
	curl -sf -I -H "Accept: application/vnd.oci.image.manifest.v1+json" \
		"$REGISTRY_URL/v2/$1/manifests/$2" | tr -d '\r' |
		awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}
