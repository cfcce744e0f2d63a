"""A config file that cannot be used: commands say so in one line (doctor as one row of its
list), hooks go on with the defaults, and `tec config` tells the truth about where values come from."""

from __future__ import annotations

import io
import json
import os

import pytest

from helpers import write_config
from tec import cli, config
from tec.claude import doctor, hooks, state


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("tec: error:")]
    assert len(lines) == 1, err
    return lines[0]


def write_bytes(data: bytes) -> str:
    path = os.environ["TEC_CONFIG"]
    with open(path, "wb") as fh:
        fh.write(data)
    return path


@pytest.mark.parametrize("data", [b'[routing]\ndefault_tier = "caf\xe9"\n', b"[hooks\nmode = ", b"x" * (2 << 20)])
def test_commands_name_the_broken_file_and_doctor_lists_it_as_one_row(capsys, data):
    path = write_bytes(data)
    for argv in (["route", "fix the typo"], ["costs", "--no-ingest"], ["config"]):
        code, _out, err = run_cli(capsys, *argv)
        assert code == 2 and path in one_error(err), (argv, err)
    code, out, err = run_cli(capsys, "doctor")
    assert code == 1 and "Traceback" not in err
    rows = {line.split()[1]: line for line in out.splitlines() if line.split() and line.split()[0] in
            ("ok", "warn", "fail")}
    assert rows["config"].startswith("fail") and path in rows["config"]
    assert {"python", "ledger", "hooks"} <= set(rows)  # the rest of the list is still there


def test_a_hook_uses_the_defaults_for_a_config_too_big_to_parse():
    write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    out = io.StringIO()
    payload = {"prompt": "Add a retry with exponential backoff to the HTTP client and write tests for it"}
    hooks.main("UserPromptSubmit", None, stdin=io.StringIO(json.dumps(payload)), stdout=out)
    assert "additionalContext" in out.getvalue()
    with open(os.path.join(os.environ["TEC_HOME"], state.ERROR_LOG)) as fh:
        assert "too big for a config file" in fh.read()


def test_an_invalid_value_is_shown_as_the_default_it_became_and_doctor_fails(capsys):
    path = write_config('[hooks]\nmode = "strictt"\n')
    code, out, _ = run_cli(capsys, "config")
    assert code == 0
    assert f'mode = "enforce"    # default (the value in {path} is invalid)' in out
    assert "sources is not set" in out and "null" not in out  # every line is TOML or a comment
    assert config.settings("hooks", lenient=True)["mode"] == "enforce"
    checks = {c.name: c for c in doctor.checks()}
    assert checks["config"].level == "fail" and "strictt" in checks["config"].detail
    assert "advise, enforce, strict" in checks["config"].detail
