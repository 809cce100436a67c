#!/usr/bin/env bash
# Downloads the default SD1.5 checkpoint into weights/ and verifies its sha256.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p weights

fetch() { # url file sha256
  local url=$1 file=weights/$2 sha=$3
  if [ -f "$file" ] && echo "$sha  $file" | sha256sum --check --status; then
    echo "$file: present, sha256 verified"; return
  fi
  echo "Downloading $file ..."
  curl -fL --retry 3 -o "$file.part" "$url"
  echo "$sha  $file.part" | sha256sum --check --status || { echo "$file: sha256 mismatch, download discarded" >&2; rm -f "$file.part"; exit 1; }
  mv "$file.part" "$file"
  echo "$file: downloaded, sha256 verified"
}

fetch https://huggingface.co/stable-diffusion-v1-5/stable-diffusion-v1-5/resolve/main/v1-5-pruned-emaonly.safetensors \
      v1-5-pruned-emaonly.safetensors 6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa
