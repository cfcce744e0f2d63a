"""Syntax checks: each language's verdict and error position, unchecked types, unreadable files."""

from __future__ import annotations

import sys
import types

import pytest

from tec.run import syntax


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_valid_python_passes(tmp_path):
    result = syntax.check(write(tmp_path, "ok.py", "def f(x):\n    return x + 1\n"))
    assert (result.language, result.ok, result.checked, result.error) == ("python", True, True, None)


def test_invalid_python_reports_line_and_column(tmp_path):
    result = syntax.check(write(tmp_path, "bad.py", "x = 1\ny = 2\nz = (3 +\n"))
    assert not result.ok and result.checked
    assert result.error.startswith("line 3, column 5: ")


def test_python_text_argument_is_checked_instead_of_the_file(tmp_path):
    path = write(tmp_path, "m.py", "valid = True\n")
    assert syntax.check(path, "def broken(:\n").ok is False
    assert syntax.check(str(tmp_path / "not-written.py"), "fine = 1\n").ok is True


def test_python_with_utf8_bom_and_invalid_escape_passes_silently(tmp_path, capsys):
    path = write(tmp_path, "bom.py", b"\xef\xbb\xbfpattern = '\\d+'\n")
    assert syntax.check(path).ok is True
    assert capsys.readouterr().err == ""


def test_python_nul_byte_is_a_failure():
    result = syntax.check("x.py", "a = 1\0\n")
    assert result.ok is False and "null" in result.error


def test_json_valid_and_invalid(tmp_path):
    assert syntax.check(write(tmp_path, "ok.json", '{"a": [1, 2]}')).ok is True
    result = syntax.check(write(tmp_path, "bad.json", '{\n  "a": 1,\n  "b": \n}\n'))
    assert result.language == "json" and not result.ok
    assert result.error == "line 4, column 1: Expecting value"


def test_notebook_is_checked_as_json(tmp_path):
    result = syntax.check(write(tmp_path, "nb.ipynb", '{"cells": [}'))
    assert (result.language, result.ok, result.checked) == ("json", False, True)
    assert result.error.startswith("line 1, column 12: ")


def test_toml_valid_and_invalid(tmp_path):
    assert syntax.check(write(tmp_path, "ok.toml", '[edit]\nmax_bytes = 200000\n')).ok is True
    result = syntax.check(write(tmp_path, "bad.toml", '[edit]\nmax_bytes 200000\n'))
    assert result.language == "toml" and not result.ok
    assert result.error.startswith("line 2, column 11: ")
    assert "(at line" not in result.error


def test_yaml_without_pyyaml_is_unchecked_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` fail
    result = syntax.check(write(tmp_path, "c.yaml", "a: [1,\n"))
    assert (result.language, result.ok, result.checked) == ("yaml", True, False)
    assert "PyYAML" in result.note


def fake_yaml(error: Exception | None) -> types.ModuleType:
    """A stand-in for PyYAML whose safe_load_all raises `error` (or loads nothing) when iterated."""
    module = types.ModuleType("yaml")
    module.YAMLError = Exception

    def safe_load_all(text):
        if error is not None:
            raise error
        yield from ()

    module.safe_load_all = safe_load_all
    return module


def test_yaml_error_uses_pyyaml_mark_one_based(tmp_path, monkeypatch):
    error = Exception("raw")
    error.problem = "found unexpected end of stream"
    error.problem_mark = types.SimpleNamespace(line=1, column=0)
    monkeypatch.setitem(sys.modules, "yaml", fake_yaml(error))
    result = syntax.check(write(tmp_path, "c.yml", "a: [1,\n"))
    assert (result.ok, result.checked) == (False, True)
    assert result.error == "line 2, column 1: found unexpected end of stream"


def test_yaml_valid_with_pyyaml(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", fake_yaml(None))
    result = syntax.check(write(tmp_path, "c.yaml", "a: 1\n---\nb: 2\n"))
    assert (result.ok, result.checked, result.error) == (True, True, None)


def test_unknown_extension_is_unchecked_not_an_error(tmp_path):
    result = syntax.check(write(tmp_path, "notes.txt", b"\xff\xfe anything"))
    assert (result.language, result.ok, result.checked, result.error) == (None, True, False, None)
    assert result.note


def test_undecodable_bytes_fail_with_offset(tmp_path):
    result = syntax.check(write(tmp_path, "latin.py", b"name = 'caf\xe9'\n"))
    assert (result.ok, result.checked) == (False, True)
    assert result.error == "not UTF-8 text: byte 0xe9 at offset 11 cannot be decoded"


def test_to_dict_has_every_field(tmp_path):
    data = syntax.check(write(tmp_path, "ok.json", "[]")).to_dict()
    assert data == {"path": str(tmp_path / "ok.json"), "language": "json", "ok": True, "checked": True,
                    "error": None, "note": None}


def test_check_paths_reports_missing_and_directories_without_walking(tmp_path):
    good = write(tmp_path, "good.py", "x = 1\n")
    bad = write(tmp_path, "bad.json", "{")
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "inner.py").write_text("def (:\n", encoding="utf-8")
    missing = str(tmp_path / "gone.toml")
    results = syntax.check_paths([good, bad, str(folder), missing])
    assert [r.path for r in results] == [good, bad, str(folder), missing]
    assert [r.ok for r in results] == [True, False, False, False]
    assert results[2].error == "is a directory, not a file"
    assert results[3].error == "no such file" and results[3].language == "toml"


def test_unreadable_path_is_a_failure_not_a_crash(tmp_path):
    result = syntax.check(str(tmp_path / "missing.py"))
    assert (result.ok, result.checked) == (False, False)
    assert result.error.startswith("cannot read: ")


@pytest.mark.parametrize(("name", "language"), [
    ("a.PY", "python"), ("stub.pyi", "python"), ("x.Json", "json"), ("pyproject.toml", "toml"),
    ("ci.yml", "yaml"), ("Makefile", None), ("archive.tar.gz", None),
])
def test_language_comes_from_the_extension(name, language):
    assert syntax.language_of(name) == language


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.ndjson"])
def test_json_lines_are_checked_line_by_line(tmp_path, name):
    good = syntax.check(write(tmp_path, name, '{"a": 1}\n\n[2]\n'))
    assert (good.language, good.ok, good.checked) == ("json lines", True, True)
    bad = syntax.check(write(tmp_path, name, '{"a": 1}\n{"b": \n'))
    assert not bad.ok and bad.checked
    assert bad.error.startswith("line 2, column ")
