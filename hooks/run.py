#!/usr/bin/env python3
"""Claude Code hook entry point: `run.py EVENT`, a thin wrapper over tec.claude.hooks.main.

hooks.json starts it once per event. It fails open: whatever happens, exit 0, and
stdout holds one JSON object or nothing.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from tec.claude.hooks import main

    main(sys.argv[1] if len(sys.argv) > 1 else "", ROOT, background=True)
except BaseException:  # even an import error must not break Claude Code
    pass
sys.exit(0)
