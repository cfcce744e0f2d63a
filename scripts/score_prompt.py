#!/usr/bin/env python3
"""Score one prompt and print {"tier", "score"}: the smallest hook-style entry script.

It reads a UserPromptSubmit payload ({"prompt": "..."}) on stdin, or takes the prompt
from its arguments, imports only `tec.routing.scoring` (and `tec.fastjson`), and prints one compact JSON line.
Like a hook it fails open: on any error it prints nothing and exits 0. It is what
bench/bench_speed.py starts to measure a hook's process start-up cost.

    echo '{"prompt": "fix typo in README"}' | python3 scripts/score_prompt.py
    python3 scripts/score_prompt.py "fix typo in README"
"""

import sys

try:
    import os

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from tec import fastjson
    from tec.routing import scoring

    payload = sys.stdin.buffer.read().decode("utf-8") if len(sys.argv) < 2 else None
    prompt = " ".join(sys.argv[1:]) if payload is None else fastjson.loads(payload)["prompt"]
    result = scoring.score(prompt)
    sys.stdout.write(fastjson.dumps({"tier": result.tier, "score": result.score}) + "\n")
    sys.stdout.flush()
except Exception:
    sys.exit(0)
