#!/usr/bin/env python3
"""Set up token-efficient-coding from a checkout or a plugin copy without `tec` on PATH: the same
as `tec install ...` (e.g. `python3 scripts/install.py --sdk-only` after a marketplace install)."""

from __future__ import annotations

import os
import sys

# The package lives next to this file; put it first so a checkout needs no install.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tec.cli import main

if __name__ == "__main__":
    sys.exit(main(["install", *sys.argv[1:]]))
