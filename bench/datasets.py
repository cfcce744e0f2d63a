"""Labelled data for routing benchmarks: our short prompts and the SWE-bench dev split.

SWE-bench rows are read at run time from ../shared/data (override: TEC_SWEBENCH_DEV);
they are never copied into this repository.
"""

from __future__ import annotations

import json
import os
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
SCRIPTS = os.path.join(ROOT, "scripts")
if SCRIPTS not in sys.path:  # the benchmarks measure the package in this checkout
    sys.path.insert(0, SCRIPTS)
PROMPTS_DEV = os.path.join(BENCH, "data", "prompts.jsonl")
PROMPTS_BLIND = os.path.join(BENCH, "data", "prompts_blind.jsonl")


def export_revision(rev: str, dest: str) -> str:
    """This repository's files at git revision `rev`, extracted into `dest` (for before/after
    runs in the same process); returns the extracted root."""
    import subprocess
    import tarfile

    archive = os.path.join(dest, f"{rev}.tar")
    with open(archive, "wb") as fh:
        subprocess.run(["git", "archive", rev], cwd=ROOT, stdout=fh, check=True)
    root = os.path.join(dest, rev)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    return root


def swebench_dev_path() -> str:
    return os.environ.get("TEC_SWEBENCH_DEV") or os.path.join(
        ROOT, "..", "shared", "data", "swebench_verified_dev.jsonl")


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def folds(n: int, k: int = 5, seed: int = 7) -> list[list[int]]:
    """k disjoint index lists covering range(n), shuffled with a fixed seed."""
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]
