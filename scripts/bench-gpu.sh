#!/usr/bin/env bash
# GPU throughput in one command, for a CUDA build (dotnet build -c Release -p:TorchBackend=cuda) on an NVIDIA GPU:
#   - UNet it/s: full-size SD1.5 UNet (random weights), 512x512 (latent 64x64), batch 2 (one CFG pair), fp16;
#   - the fraction of the GPU's fp16 peak those FLOPs reach; the peak comes from the table below by the GPU's name
#     (spec-sheet dense tensor-core TFLOPS, fp32 accumulation), else from an 8192^3 fp16 matmul measured in the same run;
#   - frames/s of a 512x512 render (SD1.5 random weights, loop_n 2, denoising 0.3, Euler a, CFG).
# Without an NVIDIA GPU it says so in one line and exits 0. VIDEOLOOPBACK overrides the CLI binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=${VIDEOLOOPBACK:-src/VideoLoopback.Cli/bin/Release/net10.0/videoloopback}

if ! command -v nvidia-smi >/dev/null 2>&1 || ! gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1) || [ -z "$gpu" ]; then
  echo "bench-gpu: no NVIDIA GPU on this machine (nvidia-smi finds none); nothing measured"
  exit 0
fi
[ -x "$cli" ] || { echo "bench-gpu: $cli not found; build first: dotnet build -c Release -p:TorchBackend=cuda" >&2; exit 1; }

# Dense fp16 tensor-core TFLOPS with fp32 accumulation (what libtorch's fp16 GEMMs use), from NVIDIA's spec sheets.
peak_tflops() {
  case "$1" in
    *H100*PCIe*) echo 756 ;;
    *H100*NVL*|*H200*NVL*) echo 835 ;;
    *H100*|*H200*|*GH200*) echo 989 ;;
    *A100*|*A800*) echo 312 ;;
    *L40S*) echo 362 ;;
    *L40*) echo 181 ;;
    *"NVIDIA L4") echo 121 ;;
    *"NVIDIA A10") echo 125 ;;
    *"RTX 6000 Ada"*) echo 364 ;;
    *"RTX A6000"*) echo 155 ;;
    *"RTX 4090"*) echo 165 ;;
    *"RTX 3090"*) echo 71 ;;
    *V100*) echo 125 ;;
    *T4) echo 65 ;;
    *) echo "" ;;
  esac
}

run() {
  local out
  if ! out=$("$cli" "$@" 2>&1); then
    echo "bench-gpu: '$cli $*' failed on $gpu:" >&2
    echo "$out" | tail -n 5 >&2
    exit 1
  fi
  echo "$out"
}

unet=$(run bench unet --device cuda --size 512 --batch 2 --runs 10 --vae-size 0 --matmul 8192)
render=$(run bench render --sd --device cuda --sd-size 512 --sd-frames 8 --sd-steps 20)

s_per_forward=$(echo "$unet" | sed -n 's/^unet 512x512 (latent 64x64) batch 2: \([0-9.]*\) s\/forward.*/\1/p')
unet_gflops=$(echo "$unet" | sed -n 's/^unet [0-9.]* GFLOP\/forward, \([0-9.]*\) GFLOP\/s wall.*/\1/p')
matmul_gflops=$(echo "$unet" | sed -n 's/^matmul fp16 8192^3: \([0-9.]*\) GFLOP\/s wall.*/\1/p')
frames_per_s=$(echo "$render" | sed -n 's/^frames\/s *\([0-9.]*\).*/\1/p')
if [ -z "$s_per_forward" ] || [ -z "$unet_gflops" ] || [ -z "$matmul_gflops" ] || [ -z "$frames_per_s" ]; then
  echo "bench-gpu: could not read the bench output:" >&2
  echo "$unet" >&2
  echo "$render" >&2
  exit 1
fi

peak=$(peak_tflops "$gpu")
if [ -n "$peak" ]; then
  peak_source="spec sheet, dense fp16 tensor cores"
else
  peak=$(awk -v g="$matmul_gflops" 'BEGIN { printf "%.1f", g / 1000 }')
  peak_source="not in the table: measured 8192^3 fp16 matmul"
fi

echo "bench-gpu: $gpu; fp16 peak $peak TFLOPS ($peak_source); fp16 matmul 8192^3 measured $(awk -v g="$matmul_gflops" 'BEGIN { printf "%.1f", g / 1000 }') TFLOPS"
awk -v s="$s_per_forward" -v g="$unet_gflops" -v p="$peak" \
  'BEGIN { printf "unet 512x512 batch 2 fp16: %.2f it/s (%.4f s per CFG step), %.1f TFLOPS = %.3f of peak\n", 1 / s, s, g / 1000, g / 1000 / p }'
echo "render 512x512 fp16 (SD1.5 random weights, 8 frames, loop_n 2, 20 steps x denoising 0.3): $frames_per_s frames/s"
