#!/usr/bin/env python3
"""Claude Code statusLine command: `statusline.py`, a thin wrapper over tec.claude.statusline.main.

It prints one line or nothing and always exits 0, so the status bar never shows an error.
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from tec.claude.statusline import main

    main(sys.stdin, sys.stdout)
except BaseException:  # even an import error must not reach the status bar
    pass
sys.exit(0)
