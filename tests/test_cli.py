"""The `tec` command line, mostly in-process through `cli.main`, plus a few real processes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import write_config
from tec import cli
from tec.cli import route as cli_route
from tec.routing import batch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")
SAMPLE = os.path.join(ROOT, "tests", "data", "litellm_sample.json")
TIERS = ("gemini-flash", "haiku", "sonnet", "opus")
FIELDS = {"model", "model_id", "complexity_score", "complexity_factors", "reason", "confidence",
          "estimated_cost", "context", "signals", "warnings"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def feed_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def run_process(*args: bytes | str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SCRIPTS}
    return subprocess.run([sys.executable, "-m", "tec", *args], input=stdin, env=env,
                          capture_output=True, timeout=60, check=False)



def json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


# --------------------------------------------------------------------------- basics


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == "tec 0.1.0"


@pytest.mark.parametrize("argv", [["--help"], ["route", "--help"], ["pricing", "--help"],
                                  ["pricing", "import", "--help"]])
def test_help_for_every_command(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "usage: tec" in out
    assert "example" in out


def test_no_command_prints_help_and_fails(capsys):
    code, _, err = run(capsys)
    assert code == 2
    assert "usage: tec" in err


def test_usage_error_exits_2(capsys):
    code, _, err = run(capsys, "route", "--files", "many", "Fix typo")
    assert code == 2
    assert "invalid int value" in err


# --------------------------------------------------------------------------- route TASK


def test_route_prints_a_readable_block(capsys):
    code, out, _ = run(capsys, "route", "Add new API endpoint for user profile",
                       "--files", "3", "--tests")
    assert code == 0
    first, reason, factors, cost = out.strip().splitlines()
    assert first.split()[0] in TIERS
    assert "score" in first and "/10" in first and "confidence" in first
    assert reason.startswith("Scored")
    assert factors.startswith("factors: length ")
    assert "subsystems" in factors and "nature" in factors
    assert cost.startswith("cost: $") and " in + " in cost and "saving" in cost
    assert "on opus (" in cost


def test_route_json_has_the_documented_fields(capsys):
    code, out, _ = run(capsys, "route", "Refactor authentication system to use OAuth2",
                       "--files", "8", "--tests", "--api", "OAuth2", "--api", "JWT",
                       "--subsystem", "auth", "--subsystem", "api", "--security", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == FIELDS
    assert result["model"] in TIERS
    assert result["context"] == {"files_count": 8, "requires_tests": True,
                                 "external_apis": ["OAuth2", "JWT"],
                                 "subsystems": ["auth", "api"], "security_critical": True}
    assert result["estimated_cost"]["top_tier"]["model"] == "opus"


def test_flags_not_given_are_inferred(capsys):
    _, out, _ = run(capsys, "route", "Write unit tests for the parser in utils/parse.py", "--json")
    context = json.loads(out)["context"]
    assert context["files_count"] >= 1  # the path in the text
    _, out, _ = run(capsys, "route", "Write unit tests for the parser in utils/parse.py",
                    "--files", "5", "--no-tests", "--json")
    context = json.loads(out)["context"]
    assert context["files_count"] == 5
    assert context["requires_tests"] is False


def test_route_reads_the_task_from_stdin(capsys, monkeypatch):
    feed_stdin(monkeypatch, "Fix typo in README: ‘recieve’ → ‘receive’\n".encode())
    code, out, _ = run(capsys, "route", "-", "--json")
    assert code == 0
    assert json.loads(out)["model"] in TIERS


def test_unpriced_models_say_so_and_warn(capsys):
    write_config('[tiers]\ngemini-flash = "acme-1"\nhaiku = "acme-2"\n'
                 'sonnet = "acme-3"\nopus = "acme-4"\n')
    code, out, err = run(capsys, "route", "Fix typo in variable name")
    assert code == 0
    assert "cost: unpriced" in out
    assert "saving unpriced" in out
    assert "tec: warning: model 'acme-" in err


@pytest.mark.parametrize("task", ["", "   "])
def test_empty_task_exits_2_with_the_message(capsys, task):
    code, out, err = run(capsys, "route", task)
    assert code == 2
    assert out == ""
    assert err.startswith("tec: error: the task is empty\n  hint: ")


def test_empty_stdin_exits_2(capsys, monkeypatch):
    feed_stdin(monkeypatch, b" \n")
    code, _, err = run(capsys, "route", "-")
    assert code == 2
    assert "tec: error: stdin held no task text" in err


def test_non_utf8_stdin_exits_2(capsys, monkeypatch):
    feed_stdin(monkeypatch, b"fix caf\xe9 typo\n")
    code, _, err = run(capsys, "route", "-")
    assert code == 2
    assert "stdin is not valid UTF-8 (byte 0xe9 on line 1)" in err
    assert "iconv" in err


def test_non_utf8_argument_exits_2(capsys):
    # How Python hands over an argument whose bytes are not UTF-8.
    code, _, err = run(capsys, "route", "fix caf\udce9 typo")
    assert code == 2
    assert "the TASK argument is not valid UTF-8" in err


def test_bad_context_flag_exits_2(capsys):
    code, _, err = run(capsys, "route", "Fix typo", "--files", "-1")
    assert code == 2
    assert "files_count" in err


@pytest.mark.parametrize("argv", [["route"], ["route", "x", "--examples"],
                                  ["route", "x", "--jsonl", "-"]])
def test_exactly_one_source(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "exactly one of TASK, --jsonl FILE or --examples" in err


def test_context_flags_need_a_single_task(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "x"}\n')
    code, _, err = run(capsys, "route", "--jsonl", str(path), "--tests")
    assert code == 2
    assert "context" in err


def test_missing_cwd_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "route", "Fix typo", "--cwd", str(tmp_path / "nope"))
    assert code == 2
    assert "no such directory" in err


# --------------------------------------------------------------------------- route --jsonl


JSONL_INPUT = "\n".join([
    '{"id": "a", "text": "Fix typo in variable name"}',
    "",
    "not json",
    '{"id": "b"}',
    '{"id": "c", "text": "   "}',
    "[1, 2]",
    '{"id": "d", "text": "Add login", "context": {"files": 3}}',
    '{"id": "e", "text": "Add login", "context": "three files"}',
    '{"id": 7, "text": 42}',
    '{"text": "Refactor the auth module", "context": {"files_count": 4}}',
    '  ',
    '{"id": "z", "text": "Design microservices architecture"}',
]) + "\n"


def test_jsonl_keeps_order_and_reports_bad_lines(capsys, tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text(JSONL_INPUT, encoding="utf-8")
    code, out, _ = run(capsys, "route", "--jsonl", str(path))
    assert code == 1
    rows = json_lines(out)
    # a generated id (the line number) is a string like the others; a given id is echoed as given
    assert [r["id"] for r in rows] == ["a", "3", "b", "c", "6", "d", "e", 7, "10", "z"]
    errors = {r["id"]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {"3", "b", "c", "6", "d", "e", 7}
    assert errors["3"].startswith("invalid JSON")
    assert errors["b"] == 'missing "text"'
    assert errors["c"] == '"text" is empty'
    assert "JSON object" in errors["6"]
    assert "files" in errors["d"]
    assert "context" in errors["e"]
    assert errors[7] == '"text" must be a string'
    for row in rows:
        if "error" not in row:
            assert set(row) == FIELDS | {"id"}
            assert row["model"] in TIERS
    assert next(r for r in rows if r["id"] == "10")["context"]["files_count"] == 4


def test_jsonl_output_is_compact_one_object_per_line(capsys, tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text('{"id": 1, "text": "Fix typo"}\n{"id": 2, "text": "Add tests"}\n')
    code, out, _ = run(capsys, "route", "--jsonl", str(path))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith('{"id":1,"model":')
    assert ", " not in lines[0].split('"reason"')[0]


def test_jsonl_from_stdin(capsys, monkeypatch):
    feed_stdin(monkeypatch, b'{"id": "x", "text": "Fix typo"}\n')
    code, out, _ = run(capsys, "route", "--jsonl", "-")
    assert code == 0
    assert json_lines(out)[0]["id"] == "x"


def test_jsonl_flushes_in_chunks(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_route, "FLUSH_EVERY", 2)
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(f'{{"id": {i}, "text": "Fix typo {i}"}}\n' for i in range(5)))
    code, out, _ = run(capsys, "route", "--jsonl", str(path))
    assert code == 0
    assert [r["id"] for r in json_lines(out)] == [0, 1, 2, 3, 4]


def test_jsonl_missing_file_exits_2(capsys, tmp_path):
    code, out, err = run(capsys, "route", "--jsonl", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert out == ""
    assert "no such file" in err


def test_jsonl_non_utf8_file_exits_2_before_any_output(capsys, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n')
    code, out, err = run(capsys, "route", "--jsonl", str(path))
    assert code == 2
    assert out == ""
    assert "is not valid UTF-8 (byte 0xe9 on line 2)" in err


def test_jsonl_unpriced_warning_is_printed_once(capsys, tmp_path):
    write_config('[tiers]\ngemini-flash = "acme-1"\nhaiku = "acme-1"\n'
                 'sonnet = "acme-1"\nopus = "acme-1"\n')
    path = tmp_path / "tasks.jsonl"
    path.write_text('{"text": "Fix typo"}\n{"text": "Fix another typo"}\n')
    code, out, err = run(capsys, "route", "--jsonl", str(path))
    assert code == 0
    assert err.count("tec: warning:") == 1
    assert all(r["estimated_cost"]["usd"] is None for r in json_lines(out))


# --------------------------------------------------------------------------- route --examples


def test_examples_table(capsys):
    examples = cli_route.load_examples()
    assert len(examples) >= 10
    code, out, _ = run(capsys, "route", "--examples")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:4] == ["id", "tier", "model", "id"]
    assert "est. cost" in lines[0] and "top-tier cost" in lines[0]
    body = lines[1:-1]
    assert [row.split()[0] for row in body] == [ex["id"] for ex in examples]
    assert all(row.split()[1] in TIERS for row in body)
    assert all(len(row) < 200 for row in body)  # long tasks are cut short
    assert lines[-1].startswith("total: $")
    assert "every task on opus" in lines[-1] and "saving" in lines[-1]


def test_examples_json_lines(capsys):
    code, out, _ = run(capsys, "route", "--examples", "--json")
    assert code == 0
    rows = json_lines(out)
    assert [r["id"] for r in rows] == [ex["id"] for ex in cli_route.load_examples()]
    assert all(set(r) == FIELDS | {"id"} for r in rows)


def test_examples_include_the_seed_scenarios():
    from test_api import SEED_SCENARIOS

    bundled = {ex["text"]: ex.get("context") for ex in cli_route.load_examples()}
    for task, context, _ in SEED_SCENARIOS:
        assert task in bundled
        assert bundled[task] == context


# --------------------------------------------------------------------------- pricing


def test_pricing_table(capsys):
    code, out, _ = run(capsys, "pricing")
    assert code == 0
    assert out.startswith("Model prices, USD per 1M tokens")
    assert "claude-" in out and "gemini-" in out


def test_pricing_json(capsys):
    code, out, _ = run(capsys, "pricing", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(TIERS) <= set(data["tiers"])
    assert data["overlay"] is None
    assert all("input" in m and "output" in m for m in data["models"].values())


def test_pricing_import(capsys, tmp_path, tec_home):
    source = tmp_path / "litellm.json"
    shutil.copy(SAMPLE, source)
    code, out, _ = run(capsys, "pricing", "import", str(source))
    assert code == 0
    assert out.startswith(f"imported {source}: ")
    for word in ("added", "updated", "unchanged", "skipped"):
        assert word in out
    overlay = str(tec_home / "prices.json")
    assert out.rstrip().endswith(f"overlay {overlay}")
    _, out, _ = run(capsys, "pricing", "--json")
    assert json.loads(out)["overlay"] == overlay


def test_pricing_import_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "pricing", "import", str(tmp_path / "nope.json"))
    assert code == 2
    assert err.startswith("tec: error: ")
    assert "Traceback" not in err


# --------------------------------------------------------------------------- real processes


def test_process_exit_codes():
    ok = run_process("route", "Fix typo in variable name", "--json")
    assert ok.returncode == 0, ok.stderr
    assert set(json.loads(ok.stdout)) == FIELDS
    empty = run_process("route", "")
    assert empty.returncode == 2
    assert empty.stderr.startswith(b"tec: error: the task is empty")


def test_process_non_utf8_stdin_has_no_traceback():
    proc = run_process("route", "-", stdin=b"fix the caf\xe9 menu\n")
    assert proc.returncode == 2
    assert b"not valid UTF-8" in proc.stderr
    assert b"Traceback" not in proc.stderr


@pytest.mark.skipif(os.name == "nt", reason="POSIX passes raw argument bytes")
def test_process_non_utf8_argument_has_no_traceback():
    proc = run_process(b"route", b"fix the caf\xe9 menu")
    assert proc.returncode == 2
    assert b"not valid UTF-8" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_route_task_script():
    script = os.path.join(SCRIPTS, "route_task.py")
    proc = subprocess.run([sys.executable, script, "Fix typo in variable name", "--json"],
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)) == FIELDS


def test_generated_references_are_current(capsys):
    assert cli.main(["docs", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_parallel_jsonl_matches_serial_order_and_errors(monkeypatch):
    lines = []
    for i in range(60):
        lines.append(json.dumps({"id": i, "text": f"Fix typo number {i} in README" if i % 7 else ""}))
        if i % 13 == 0:
            lines.append("{not json")
    serial = list(batch.route_lines(lines, None, []))
    monkeypatch.setattr(batch, "PARALLEL_MIN_LINES", 10)
    monkeypatch.setattr(batch.os, "cpu_count", lambda: 2)
    warnings: list[str] = []
    parallel = list(batch.route_lines(lines, None, warnings))
    assert parallel == serial
    assert [r["id"] for r in parallel][:3] == [0, "2", 1]
    assert sum("error" in r for r in parallel) == 5 + 9
