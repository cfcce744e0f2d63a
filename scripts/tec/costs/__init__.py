"""Costs: the ledger store (the only module with SQL), Claude Code transcripts and their ingest,
budgets, and reports with charts."""
