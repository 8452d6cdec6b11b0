#!/usr/bin/env bash
# handgrad on a GPU machine that has no Rust toolchain and no network: give it a built,
# stripped binary and a Fashion-MNIST folder; it lists the devices, then measures the wgpu
# backend (and CUDA, in a binary that has it): the lab's 20-epoch run, the pieces of a run and
# the scaling table. Writes artifacts/bench-gpu.md (+ .json) naming the adapter; under 5 min.
#
#   cargo build --release --features wgpu && strip -o handgrad-wgpu target/release/handgrad
#   bash bench/gpu.sh ./handgrad-wgpu /usr/share/datasets/fashion-mnist [--quick]
#
# HANDGRAD_GPU_OUT=FILE writes elsewhere; HANDGRAD_GPU_TIMEOUT=S changes the 290 s limit of the
# benchmark (a software driver needs more). --quick (for a software Vulkan driver): 1 epoch, fewer
# scaling steps. Without a Vulkan loader on the machine, .gl/*.deb (libvulkan1 and friends,
# fetched beforehand with `apt-get download` for the machine's Debian) are unpacked first.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: bash bench/gpu.sh HANDGRAD_BINARY DATA_DIR [--quick]}
data=${2:?usage: bash bench/gpu.sh HANDGRAD_BINARY DATA_DIR [--quick]}
quick=${3:-}
[ -x "$bin" ] || { echo "error: $bin is not an executable handgrad binary" >&2; exit 1; }
[ -d "$data" ] || { echo "error: $data is not a folder with the four IDX files" >&2; exit 1; }

# A Vulkan loader: the machine's, or the carried .debs.
if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
# The NVIDIA ICD where the driver installs it outside the loader's search path.
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then
  export VK_DRIVER_FILES=$nvidia_icd
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

mkdir -p artifacts
devices=$("$bin" devices 2>&1) || true
echo "$devices"

backends=()
if grep -q '^  wgpu .*adapters found' <<<"$devices"; then
  backends+=(wgpu)
else
  echo "note: no wgpu adapter (or no wgpu in this binary): wgpu skipped" >&2
fi
if grep -q '^  cuda' <<<"$devices"; then
  backends+=(cuda)
else
  echo "note: this binary has no CUDA backend: CUDA skipped" >&2
fi
if [ ${#backends[@]} -eq 0 ]; then
  echo "error: neither wgpu nor CUDA can run here" >&2
  exit 1
fi

if [ "$quick" = "--quick" ]; then
  epochs=(--wgpu-epochs 1); steps=5
else
  epochs=(); steps=50
fi
list=$(IFS=,; echo "${backends[*]}")
out=${HANDGRAD_GPU_OUT:-artifacts/bench-gpu.md}   # another path to try the script on a software driver
mkdir -p "$(dirname "$out")"
timeout "${HANDGRAD_GPU_TIMEOUT:-290}" "$bin" bench --data-dir "$data" --backends "$list" --no-numpy --repeat 1 \
  "${epochs[@]}" --scaling-steps "$steps" --out "$out"

# The adapter, first thing in the report.
{
  echo "# handgrad on a GPU machine"
  echo
  echo "From \`bash bench/gpu.sh\` on $(hostname) ($(nproc) cores)."
  echo
  echo '```'
  echo "$devices"
  echo '```'
  echo
  sed '1d' "$out"
} > "$out.tmp" && mv "$out.tmp" "$out"
echo "wrote $out"
