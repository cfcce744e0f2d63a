"""Claude Code integration: the hook handlers, install and uninstall, and doctor."""
