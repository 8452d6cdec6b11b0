#!/usr/bin/env bash
# How long the README's two commands take on a fresh machine: a cold `cargo build --release`
# (every dependency compiled; crates already downloaded), then `cargo test --release` (it must
# compile handgrad and its tests only), then `cargo build --release` again (nothing).
# Writes artifacts/build-times.json. Usage: bash bench/cold-build.sh  (takes ~15 min on 2 cores)
# With a feature list, the same three steps with `--features LIST`, into
# artifacts/build-times-LIST.json (commas become dashes): bash bench/cold-build.sh learner
set -euo pipefail
cd "$(dirname "$0")/.."
features=${1:-}
if [ -n "$features" ]; then
  flags=(--features "$features"); out="artifacts/build-times-${features//,/-}.json"
else
  flags=(); out=artifacts/build-times.json
fi
target=$(mktemp -d)
trap 'rm -rf "$target"' EXIT
export CARGO_TARGET_DIR="$target" CARGO_TERM_COLOR=never
cargo fetch -q
step() { # name, command...: seconds, and how many crates it compiled (burn's among them)
  local name=$1; shift
  local start end log; log="$target/$name.log"; start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { echo "failed: $* (see $log)" >&2; return 1; }
  end=$(date +%s.%N)
  printf '"%s": {"seconds": %.1f, "crates_compiled": %d, "burn_crates_compiled": %d}' "$name" \
    "$(awk "BEGIN{print $end - $start}")" "$(grep -c '^ *Compiling ' "$log" || true)" \
    "$(grep '^ *Compiling burn' "$log" | grep -vc '^ *Compiling burn-gradcheck' || true)"
}
{
  echo "{"
  echo "  \"machine\": \"$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\","
  echo "  \"features\": \"${features:-default}\","
  # Each step's line first, so that a failed step stops the script (set -e) and writes nothing.
  build=$(step build cargo build --release "${flags[@]}")
  test=$(step test cargo test --release --no-run "${flags[@]}")
  again=$(step build_again cargo build --release "${flags[@]}")
  echo "  $build,"
  echo "  $test,"
  echo "  $again"
  echo "}"
} > "$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
