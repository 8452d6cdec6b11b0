#!/usr/bin/env bash
# The README's runs on the full MNIST, written into artifacts/ from real runs:
#   bash bench/mnist-runs.sh [DIR]     (DIR: the four IDX files; default ../shared/data/mnist)
# exercise 0's picture (the first 200 training images), the logistic regression in f32 (its
# printed run kept as text) and in f64, the lab's table beside both, the MLP and the Learner.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/mnist}"
cargo build --release --quiet
handgrad="${CARGO_TARGET_DIR:-target}/release/handgrad"

"$handgrad" show --data-dir "$data" --split train --out artifacts/exo0.png
"$handgrad" train --data-dir "$data" --out artifacts/mnist-logreg --overwrite \
  > artifacts/mnist-logreg.txt
"$handgrad" train --data-dir "$data" --dtype f64 --out artifacts/mnist-logreg-f64 --overwrite --no-plots
python3 bench/mnist-table.py ../shared/seed/tp-deep-learning-1.md \
  artifacts/mnist-logreg-f64 artifacts/mnist-logreg > artifacts/mnist-table.md
"$handgrad" train --data-dir "$data" --model mlp --lr 1.0 --out artifacts/mnist-mlp --overwrite
"$handgrad" train --data-dir "$data" --trainer learner --out artifacts/mnist-learner --overwrite
