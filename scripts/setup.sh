#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for VideoLoopback (ffmpeg; tcmalloc, the caching allocator the
# render, img2img and bench commands restart themselves on) and restores the .NET packages. Safe to run again: it
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then missing+=(ffmpeg); fi
if ! { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q 'libtcmalloc_minimal\.so\.4 '; then missing+=(libtcmalloc-minimal4); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK 10 is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

dotnet restore VideoLoopback.sln --verbosity quiet
