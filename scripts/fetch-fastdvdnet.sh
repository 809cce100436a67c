#!/usr/bin/env bash
# Downloads the released FastDVDNet weights (model.pth of github.com/m-tassano/fastdvdnet)
# to weights/fastdvdnet/model.pth, where the video post-process looks for them. The file is in PyTorch's legacy
# (pre-1.6) format; the engine reads it as it is, no Python or re-save needed.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p weights/fastdvdnet
file=weights/fastdvdnet/model.pth
if [ -s "$file" ]; then echo "$file: already present"; exit 0; fi
curl -fL --retry 3 -o "$file.part" https://github.com/m-tassano/fastdvdnet/raw/master/model.pth
mv "$file.part" "$file"
echo "$file: downloaded ($(stat -c %s "$file") bytes, sha256 $(sha256sum "$file" | cut -d' ' -f1))"
