#!/usr/bin/env python3
"""Run a prompt on a model tier from a checkout without installing: the same as `tec execute ...`."""

from __future__ import annotations

import os
import sys

# The package lives next to this file; put it first so a checkout needs no install.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tec.cli import main

if __name__ == "__main__":
    sys.exit(main(["execute", *sys.argv[1:]]))
