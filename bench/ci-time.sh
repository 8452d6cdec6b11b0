#!/usr/bin/env bash
# How long CI takes on a new machine: `bash .ci/run` in a fresh clone of HEAD, with an empty
# build cache and no mdBook (crates already downloaded, Debian packages as they are), timed
# section by section. Writes artifacts/ci-time.json; the whole log stays in /tmp.
#   bash bench/ci-time.sh          (about an hour on 2 cores; CI's limit is 90 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
# The clone sits beside this one, so that ../shared is where CI finds it.
clone="$(dirname "$root")/.ci-time-clone-$$"
trap 'rm -rf "$work" "$clone"' EXIT
commit=$(git rev-parse --short HEAD)
git clone -q "$root" "$clone"
log=/tmp/handgrad-ci-time.log
start=$(date +%s)
set +e
(cd "$clone" && CI=true CARGO_TARGET_DIR="$work/target" HANDGRAD_CI_TOOLS="$work/tools" bash .ci/run) >"$log" 2>&1
rc=$?
set -e
seconds=$(( $(date +%s) - start ))
python3 bench/ci-time.py "$log" "$seconds" "$rc" "$commit" > artifacts/ci-time.json
cat artifacts/ci-time.json
[ "$rc" -eq 0 ] || { echo ".ci/run failed (exit status $rc): see $log" >&2; exit "$rc"; }
