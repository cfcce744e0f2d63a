"""The ledger store: the only code with SQL (see `ledger`)."""

from .ledger import FILE_NAME, BadRows, Ledger, append, ledger_path

__all__ = ["FILE_NAME", "BadRows", "Ledger", "append", "ledger_path"]
