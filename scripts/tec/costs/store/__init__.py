"""The ledger store: the only code with SQL (see `ledger`)."""

from .ledger import FILE_NAME, Ledger, append, ledger_path

__all__ = ["FILE_NAME", "Ledger", "append", "ledger_path"]
