"""End-to-end harness: the real Claude Code CLI, headless, against a loopback fake Messages API.

    bash scripts/install_claude_cli.sh                     # once: the pinned CLI into ~/.cache/tec-e2e/
    .venv/bin/python -m pytest tests/e2e                   # all (about a second per CLI run)
    .venv/bin/python -m pytest tests/e2e -m "not plugin"   # harness smoke tests only
    .venv/bin/python -m pytest tests/e2e -m plugin         # this repository's plugin

The CLI is `$TEC_CLAUDE_BIN`, else the install script's cache path (`$TEC_E2E_CACHE`, default
~/.cache/tec-e2e). Without it the tests skip, or fail when `$CI` is set. Every run gets a clean
environment (`env -i` style): a temporary HOME and TMPDIR, `ANTHROPIC_BASE_URL` at the fake,
`CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`, `TEC_HOME`/`TEC_CONFIG` at the test's temporary tec
home (the `tec_home` fixture of tests/conftest.py), and stdin from /dev/null (with an open pipe
`-p` first waits 3 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from claude_harness import REPO, RUN_TIMEOUT_S, ClaudeRun, clean_env, default_claude_bin, kill_group  # noqa: E402
from fake_claude_api import FakeClaudeAPI  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: runs the real Claude Code CLI against a loopback fake API")
    config.addinivalue_line("markers", "plugin: end-to-end tests of this repository's Claude Code plugin")


def missing(reason: str):
    """Skip locally; fail in CI (`$CI` set), where a missing prerequisite is a broken setup."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """The Claude Code executable: `$TEC_CLAUDE_BIN`, else scripts/install_claude_cli.sh's cache path."""
    configured = os.environ.get("TEC_CLAUDE_BIN")
    path = Path(configured) if configured else default_claude_bin()
    if not (path.is_file() and os.access(path, os.X_OK)):
        missing(f"Claude Code CLI not found at {path}: run scripts/install_claude_cli.sh (or set TEC_CLAUDE_BIN)")
    return path


@pytest.fixture(scope="session")
def claude_version(claude_bin) -> str:
    out = subprocess.run([str(claude_bin), "--version"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    return out.stdout.strip()


@pytest.fixture
def plugin_dir() -> Path:
    if not (REPO / "hooks" / "hooks.json").is_file():
        pytest.skip(f"{REPO / 'hooks' / 'hooks.json'} does not exist yet (the plugin is not written)")
    return REPO


@pytest.fixture
def fake_api():
    """A fresh fake Messages API (DefaultScript) per test; set `fake_api.script` to script other replies."""
    with FakeClaudeAPI() as fake:
        yield fake


@pytest.fixture
def e2e_dirs(tmp_path, tec_home):
    """Per-test HOME, TMPDIR and project directory (its README.md holds the typos the prompts name)."""
    dirs = {name: tmp_path / name for name in ("home", "tmp", "proj")}
    for path in dirs.values():
        path.mkdir()
    (dirs["proj"] / "README.md").write_text("# Demo\n\nWe recieve teh data here.\n", encoding="utf-8")
    dirs["tec_home"] = tec_home
    return dirs


@pytest.fixture
def run_claude(claude_bin, fake_api, e2e_dirs, tmp_path):
    """`run_claude(prompt, *, plugin_dir=None, home=None, settings=None, env_extra=None, cwd=None,
    args=())` runs `claude -p PROMPT --output-format json --debug-file DEBUG < /dev/null` against
    `fake_api` and returns a ClaudeRun. `settings` is a dict (written to a file) or a path, passed
    as `--settings`; `args` are extra CLI arguments. The CLI's process group is killed at teardown
    (not at once, so a hook's background work, e.g. ingestion, can finish while the test polls),
    or at once on a timeout."""
    started_procs: list[subprocess.Popen] = []
    counter = iter(range(1, 10_000))

    def run(prompt: str, *, plugin_dir=None, home=None, settings=None, env_extra=None, cwd=None,
            args=(), timeout: float = RUN_TIMEOUT_S) -> ClaudeRun:
        n = next(counter)
        home = Path(home or e2e_dirs["home"])
        cwd = Path(cwd or e2e_dirs["proj"])
        debug_file = tmp_path / f"debug-{n}.log"
        command = [str(claude_bin), "-p", prompt, "--output-format", "json", "--debug-file", str(debug_file)]
        if plugin_dir is not None:
            command += ["--plugin-dir", str(plugin_dir)]
        if settings is not None:
            if isinstance(settings, dict):
                path = tmp_path / f"settings-{n}.json"
                path.write_text(json.dumps(settings, indent=1), encoding="utf-8")
                settings = path
            command += ["--settings", str(settings)]
        command += [str(a) for a in args]
        env = clean_env(claude_bin, home, e2e_dirs["tmp"], e2e_dirs["tec_home"], fake_api.url, env_extra)
        first_request = len(fake_api.snapshot())
        out_path, err_path = tmp_path / f"stdout-{n}.txt", tmp_path / f"stderr-{n}.txt"
        started = time.monotonic()
        timed_out = False
        # stdout/stderr go to files, not pipes: a hook's background child may hold a pipe open
        with open(out_path, "wb") as out, open(err_path, "wb") as err, open(os.devnull, "rb") as devnull:
            proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=devnull, stdout=out, stderr=err,
                                    start_new_session=True)
        started_procs.append(proc)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        try:
            result = json.loads(stdout)
        except ValueError:
            result = None
        claude = ClaudeRun(
            result=result, requests=fake_api.snapshot()[first_request:],
            debug=debug_file.read_text(encoding="utf-8", errors="replace") if debug_file.exists() else "",
            returncode=proc.returncode, stdout=stdout, stderr=err_path.read_text(encoding="utf-8", errors="replace"),
            home=home, cwd=cwd, duration=time.monotonic() - started, usage_by_id=dict(fake_api.usage_by_id))
        if timed_out:
            pytest.fail(f"claude did not finish within {timeout}s (killed)\n{claude.explain()}", pytrace=False)
        assert not fake_api.errors, f"the fake's script raised: {fake_api.errors!r}"
        return claude

    yield run
    for proc in started_procs:
        kill_group(proc)
