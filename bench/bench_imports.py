"""What the CLI's start-up costs, before and after the model-calling code (issue 4) landed.

    python bench/bench_imports.py

Each row is the median wall time of a fresh process (alternating runs, same interpreter):
- `python -c pass`, the floor;
- `tec --help`, `tec route TASK` and `tec costs --no-ingest` from this checkout;
- the same commands from the commit before execution, edits and validation were added
  (`BEFORE`, extracted with `git archive` into a temporary directory);
- `import anthropic, google.genai`: what every command would pay if the SDKs were
  imported at the top.

Target: each command within 5% (plus 3 ms of noise) of its `BEFORE` time. Exits 1 if missed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from datasets import SCRIPTS, export_revision

BEFORE = "34e97af"  # the ledger issue's last commit, before the SDK code
RUNS = 15
COMMANDS = (["--help"], ["route", "fix the typo in README"], ["costs", "--no-ingest"])


def timed(argv: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="tec-bench-imports-")
    try:
        before = os.path.join(export_revision(BEFORE, workdir), "scripts")
        home = os.path.join(workdir, "home")
        base = {**os.environ, "TEC_HOME": home, "TEC_CONFIG": os.path.join(home, "absent.toml"),
                "CLAUDE_CONFIG_DIR": os.path.join(home, "no-claude"), "PYTHONDONTWRITEBYTECODE": ""}
        base.pop("PYTHONDONTWRITEBYTECODE")
        py = sys.executable
        rows = {"python -c pass": ([py, "-c", "pass"], base),
                "import anthropic, google.genai": ([py, "-c", "import anthropic, google.genai"], base)}
        for argv in COMMANDS:
            name = "tec " + " ".join(argv[:1] + (["..."] if len(argv) > 1 else []))
            rows[f"{name} (now)"] = ([py, "-m", "tec", *argv], {**base, "PYTHONPATH": SCRIPTS})
            rows[f"{name} (before)"] = ([py, "-m", "tec", *argv], {**base, "PYTHONPATH": before})
        for argv, env in rows.values():  # warm caches: bytecode, the config and routing caches
            timed(argv, env)
        samples: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(RUNS):
            for name, (argv, env) in rows.items():
                samples[name].append(timed(argv, env))
        median = {name: statistics.median(values) for name, values in samples.items()}
        floor = median["python -c pass"]
        ok = True
        for name, value in median.items():
            line = f"{name:<38} {value * 1000:7.1f} ms  {value / floor:5.2f}x python -c pass"
            if name.endswith("(now)"):
                was = median[name.replace("(now)", "(before)")]
                passed = value <= was * 1.05 + 0.003
                ok &= passed
                line += f"  {value / was:5.2f}x before  {'ok' if passed else 'MISSED'}"
            print(line)
        return 0 if ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
