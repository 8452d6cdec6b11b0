#!/usr/bin/env python3
"""The lab's printed table beside handgrad's f64 and f32 runs on the same MNIST, as Markdown.

    python3 bench/mnist-table.py SEED F64_RUN F32_RUN > artifacts/mnist-table.md

SEED is the lab (../shared/seed/tp-deep-learning-1.md): its lines
`epoch  N accurcy train= P accurcy test= Q` are what its numpy printed after epoch N (from 0).
A run folder's summary.json holds handgrad's counts after each epoch (from 1). The lab prints
percentages; the counts behind them are P × 600 and Q × 100, rounded (exact: 60 000 and 10 000
images).
"""
import json
import re
import sys

seed, f64_run, f32_run = sys.argv[1:4]
lab = []
for line in open(seed, encoding="utf-8"):
    m = re.match(r"epoch\s+(\d+) accurcy train= ([\d.]+) accurcy test= ([\d.]+)\s*$", line)
    if m:
        lab.append((int(m[1]), round(float(m[2]) * 600), round(float(m[3]) * 100)))


def counts(run):
    with open(f"{run}/summary.json", encoding="utf-8") as f:
        return [(e["train_correct"], e["test_correct"]) for e in json.load(f)["epochs"]]


f64, f32 = counts(f64_run), counts(f32_run)
print(f"Correct images after each epoch: the lab's table ({len(lab)} epochs printed), "
      f"`{f64_run}` (--dtype f64) and `{f32_run}` (f32).")
print()
print("| epoch (lab's) | lab train | f64 train | f32 train | lab test | f64 test | f32 test |")
print("|---:|---:|---:|---:|---:|---:|---:|")
differ = {"f64": [], "f32": []}
for epoch, train, test in lab:
    row = [epoch, train]
    for name, run in (("f64", f64), ("f32", f32)):
        if run[epoch][0] != train:
            differ[name].append(f"epoch {epoch} train: {run[epoch][0]} against {train}")
    for name, run in (("f64", f64), ("f32", f32)):
        if run[epoch][1] != test:
            differ[name].append(f"epoch {epoch} test: {run[epoch][1]} against {test}")

    def cell(value, lab_value):
        return f"{value}" if value == lab_value else f"**{value}**"

    print(f"| {epoch} | {train} | {cell(f64[epoch][0], train)} | {cell(f32[epoch][0], train)} "
          f"| {test} | {cell(f64[epoch][1], test)} | {cell(f32[epoch][1], test)} |")
print()
for name in ("f64", "f32"):
    if differ[name]:
        print(f"{name} differs from the lab at {len(differ[name])} of {2 * len(lab)} counts: "
              + "; ".join(differ[name]) + ".")
    else:
        print(f"{name} matches the lab at all {2 * len(lab)} counts ({len(lab)} epochs, train and test).")
