#!/usr/bin/env bash
# Installs the pinned Claude Code CLI used by the end-to-end tests (tests/e2e/) into a
# cache folder, outside the repository: its native binary is 235-384 MB, never commit it.
#
#   bash scripts/install_claude_cli.sh            # prints the path of `claude` on its last line
#   TEC_E2E_CACHE=/some/dir bash scripts/install_claude_cli.sh
#   CLAUDE_CLI_VERSION=2.1.332 ...                # the version (pinned: a bare install on
#                                                 # node 20 resolves 2.1.197)
#
# Idempotent: does nothing when the binary is already there. The tests find it at the same
# path (or at $TEC_CLAUDE_BIN).
set -euo pipefail

version="${CLAUDE_CLI_VERSION:-2.1.332}"
cache="${TEC_E2E_CACHE:-${HOME:?set HOME or TEC_E2E_CACHE}/.cache/tec-e2e}"
prefix="$cache/claude-code-$version"
bin="$prefix/node_modules/.bin/claude"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
    echo "claude $version already installed in $prefix" >&2
    echo "$bin"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found; install Node.js (>= 20) and npm to run the Claude Code end-to-end tests" >&2
    exit 1
fi

echo "installing @anthropic-ai/claude-code@$version into $prefix" >&2
mkdir -p "$prefix"
# A private package.json keeps npm from walking up to an unrelated one.
[ -f "$prefix/package.json" ] || printf '{"name": "tec-e2e-claude-cli", "private": true}\n' > "$prefix/package.json"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --save-exact \
    "@anthropic-ai/claude-code@$version" >&2

if [ ! -x "$bin" ]; then
    echo "error: npm finished but $bin is missing" >&2
    exit 1
fi
if ! installed="$("$bin" --version 2>&1)"; then
    echo "error: $bin --version failed: $installed" >&2
    exit 1
fi
echo "installed: $installed" >&2
echo "$bin"
