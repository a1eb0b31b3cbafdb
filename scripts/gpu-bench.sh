#!/usr/bin/env bash
# The GPU worker's pack-size benchmark on a Linux machine with an NVIDIA GPU: runs/second of packs
# of 1 … 4,096 nets of the canonical cell (two moons, 2 → 8×64 → 2, 50 epochs, traced every
# epoch) against the core on one CPU core, in the same process (packages/worker-gpu/bench).
#
#   scripts/gpu-bench.sh                  on the GPU machine, with Node 20+ and npm's registry:
#                                         installs the Vulkan loader (apt) and the packages (npm ci)
#   scripts/gpu-bench.sh --bundle DIR     here: packs everything the run needs into DIR (Node,
#                                         the bundled benchmark, Dawn, the Vulkan loader's .deb)
#                                         for a GPU machine with no Node and no registry
#   scripts/gpu-bench.sh --offline DIR    there: runs from such a DIR
#
# BENCH_PACKS, BENCH_EPOCHS, BENCH_DEPTH and BENCH_CPU_REPS pass through to the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_PACKS="${BENCH_PACKS:-1,16,64,256,1024,4096}"

have_vulkan() { ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; }

# NVIDIA's Vulkan driver, wherever the driver's installation or the container toolkit put it.
nvidia_icd() {
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then
      export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"
      return
    fi
  done
}

case "${1:-}" in
  --bundle)
    out="${2:?--bundle DIR}"
    mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
    bundle() {
      node_modules/.bin/esbuild "$1" --bundle --platform=node --format=esm --target=node20 --external:webgpu --outfile="$2" --log-level=warning \
        --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
    }
    bundle packages/worker-gpu/bench/bench.ts "$out/bench.mjs"
    # The CPU worker's thread script, which the thread pool loads from beside the benchmark.
    bundle packages/worker-cpu/src/train-thread.ts "$out/train-thread.mjs"
    cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/node_modules/webgpu/"
    xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/dawn.node.xz"
    xz -T0 -6 -c "$(command -v node)" > "$out/node.xz"
    (cd "$out" && apt-get download libvulkan1 >/dev/null)
    cp "$0" "$out/gpu-bench.sh"
    du -sh "$out"
    ;;
  --offline)
    dir="$(cd "${2:?--offline DIR}" && pwd)"
    [ -x "$dir/node" ] || xz -dc "$dir/node.xz" > "$dir/node"
    chmod +x "$dir/node"
    [ -f "$dir/node_modules/webgpu/dist/linux-x64/dawn.node" ] || xz -dc "$dir/dawn.node.xz" > "$dir/node_modules/webgpu/dist/linux-x64/dawn.node"
    if ! have_vulkan; then
      for deb in "$dir"/libvulkan1_*.deb; do dpkg -x "$deb" /; done
      ldconfig
    fi
    nvidia_icd
    "$dir/node" "$dir/bench.mjs"
    ;;
  "")
    if ! have_vulkan; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1
    fi
    nvidia_icd
    [ -d node_modules ] || npm ci --no-audit --no-fund
    npm run bench -w @gradtrace/worker-gpu
    ;;
  *)
    echo "usage: scripts/gpu-bench.sh [--bundle DIR | --offline DIR]" >&2
    exit 2
    ;;
esac
