#!/usr/bin/env bash
# How long the README's two commands take on a fresh machine: a cold `cargo build --release`
# (every dependency compiled; crates already downloaded), then `cargo test --release` (it must
# compile handgrad and its tests only), then `cargo build --release` again (nothing).
# Writes artifacts/build-times.json. Usage: bash bench/cold-build.sh  (takes ~15 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
export CARGO_TARGET_DIR="$target" CARGO_TERM_COLOR=never
cargo fetch -q
step() { # name, command...: seconds, and how many crates it compiled (burn's among them)
  local name=$1; shift
  local start end log; log="$target/$name.log"; start=$(date +%s.%N)
  "$@" >"$log" 2>&1
  end=$(date +%s.%N)
  printf '"%s": {"seconds": %.1f, "crates_compiled": %d, "burn_crates_compiled": %d}' "$name" \
    "$(awk "BEGIN{print $end - $start}")" "$(grep -c '^ *Compiling ' "$log" || true)" \
    "$(grep -c '^ *Compiling burn' "$log" || true)"
}
{
  echo "{"
  echo "  \"machine\": \"$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\","
  echo "  $(step build cargo build --release),"
  echo "  $(step test cargo test --release --no-run),"
  echo "  $(step build_again cargo build --release)"
  echo "}"
} > artifacts/build-times.json
cat artifacts/build-times.json
