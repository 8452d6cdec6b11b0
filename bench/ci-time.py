"""artifacts/ci-time.json from a timed `.ci/run` (bench/ci-time.sh calls it):
python3 bench/ci-time.py LOG SECONDS EXIT_STATUS COMMIT"""
import json
import os
import re
import sys

log, seconds, rc, commit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
text = open(log, encoding="utf-8", errors="replace").read()
# Each section's start, as .ci/run prints it: `== [N s] name`.
starts = [(int(m[1]), m[2]) for m in re.finditer(r"^== \[(\d+) s\] (.*)$", text, re.M)]
sections = [
    {"section": name, "at_seconds": at, "seconds": (starts[i + 1][0] if i + 1 < len(starts) else seconds) - at}
    for i, (at, name) in enumerate(starts)
]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(json.dumps({
    "commit": commit,
    "machine": f"{os.cpu_count()} cores, {cpu}",
    "exit_status": rc,
    "seconds": seconds,
    "minutes": round(seconds / 60, 1),
    "limit_minutes": 90,
    "sections": sections,
}, indent=2, ensure_ascii=False))
