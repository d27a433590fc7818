#!/usr/bin/env bash
# Pins every base image of the Dockerfile to the digest of its multi-arch index, as the registry serves
# the tag today, after checking that the index has both linux/amd64 and linux/arm64. Needs Docker with
# buildx and network access to the registry. Review the diff, then build:
#   deploy/pin-base-images.sh && git diff Dockerfile
set -euo pipefail
cd "$(dirname "$0")/.."
grep -oE '^FROM (--platform=[^ ]+ )?[^ ]+@sha256:[0-9a-f]{64}' Dockerfile | awk '{print $NF}' | sort -u | while read -r pinned; do
  image="${pinned%@*}"
  index=$(docker buildx imagetools inspect "$image" --raw)
  digest=$(docker buildx imagetools inspect "$image" --format '{{json .Manifest}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
  for platform in amd64 arm64; do
    if ! printf '%s' "$index" | python3 -c "import json,sys; m=json.load(sys.stdin).get('manifests',[]); sys.exit(0 if any(x.get('platform',{}).get('os')=='linux' and x.get('platform',{}).get('architecture')=='$platform' for x in m) else 1)"; then
      echo "$image has no linux/$platform image" >&2
      exit 1
    fi
  done
  sed -i "s|${image}@sha256:[0-9a-f]\{64\}|${image}@${digest}|" Dockerfile
  echo "$image -> $digest"
done
