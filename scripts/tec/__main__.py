"""`python -m tec`: the same command line as the `tec` script."""

from __future__ import annotations

import sys

from tec.cli import main

if __name__ == "__main__":
    sys.exit(main())
