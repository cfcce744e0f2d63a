#!/usr/bin/env python3
"""Make a small edit with Gemini Flash from a checkout without installing: the same as `tec edit ...`."""

from __future__ import annotations

import os
import sys

# The package lives next to this file; put it first so a checkout needs no install.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tec.cli import main

if __name__ == "__main__":
    sys.exit(main(["edit", *sys.argv[1:]]))
