"""tec edit's deterministic parts: refusals, region choice, block parsing and applying, diff, safe write."""

from __future__ import annotations

import os
import stat
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tec.errors import InputError, TecError
from tec.run import blocks as edits
from tec.run import region, secrets
from tec.run.blocks import Block, EditError

# Built in two parts so this test file does not itself look like it holds a key.
KEY_HEADER = "-----BEGIN " + "OPENSSH PRIVATE KEY-----"


@pytest.fixture(autouse=True)
def force_allowed(monkeypatch):
    """These tests are the user at a terminal: --force is theirs to give (see test_force_needs_a_person)."""
    monkeypatch.setenv("TEC_ALLOW_FORCE", "1")


def check_target(path: str, root: str, **kwargs) -> str:
    return secrets.read_file(path, root, **kwargs)[0]


@pytest.fixture
def root(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    return project


def refusal(path, root, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        check_target(str(path), str(root), **kwargs)
    return caught.value


# --- check_target ---------------------------------------------------------------------------


def test_plain_text_file_is_accepted_and_resolved(root):
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    assert check_target(str(root / "sub" / ".." / "app.py"), str(root)) == os.path.realpath(root / "app.py")


def test_file_outside_root_is_refused_even_with_force(root, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n", encoding="utf-8")
    error = refusal(outside, root, force=True)
    assert "outside the project root" in error.message
    assert "inside the project" in error.hint and "--force" not in error.hint
    assert error.exit_code == 2


def test_sibling_directory_with_common_prefix_is_outside(root, tmp_path):
    sibling = tmp_path / "project-other"
    sibling.mkdir()
    (sibling / "a.py").write_text("x = 1\n", encoding="utf-8")
    assert "outside the project root" in refusal(sibling / "a.py", root).message


def test_symlink_escaping_root_is_refused(root, tmp_path):
    target = tmp_path / "outside.txt"
    target.write_text("harmless\n", encoding="utf-8")
    (root / "link.txt").symlink_to(target)
    error = refusal(root / "link.txt", root, force=True)
    assert "outside the project root" in error.message and "symlinks are resolved" in error.hint


def test_symlink_inside_root_returns_the_real_path(root):
    (root / "real.py").write_text("x = 1\n", encoding="utf-8")
    (root / "alias.py").symlink_to(root / "real.py")
    assert check_target(str(root / "alias.py"), str(root)) == os.path.realpath(root / "real.py")


def test_missing_file_is_refused(root):
    error = refusal(root / "nope.py", root)
    assert error.message.endswith("nope.py: no such file") and error.hint == "check the path"


def test_directory_is_refused(root):
    (root / "pkg").mkdir()
    error = refusal(root / "pkg", root)
    assert "is a directory" in error.message and "single file" in error.hint


def test_fifo_is_refused_without_blocking(root):
    os.mkfifo(root / "pipe")
    assert "not a regular file" in refusal(root / "pipe", root).message


def test_unreadable_file_is_refused(root, monkeypatch):
    (root / "locked.py").write_text("x = 1\n", encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(secrets, "open", denied, raising=False)  # chmod 000 does not stop root
    error = refusal(root / "locked.py", root)
    assert error.message.endswith("locked.py cannot be read: Permission denied") and "permissions" in error.hint


def test_nul_byte_means_binary(root):
    (root / "blob.dat").write_bytes(b"text\0more")
    error = refusal(root / "blob.dat", root, force=True)
    assert "binary file (NUL byte in the first 8 KB)" in error.message and "UTF-8 text" in error.hint


def test_nul_byte_after_the_first_8kb_is_not_sniffed_but_still_text(root):
    (root / "late.txt").write_bytes(b"a" * 9000 + b"\0")
    assert check_target(str(root / "late.txt"), str(root)).endswith("late.txt")


def test_non_utf8_is_refused(root):
    (root / "latin1.txt").write_bytes(b"caf\xe9\n")
    error = refusal(root / "latin1.txt", root, force=True)
    assert "not UTF-8 text (undecodable byte at offset 3)" in error.message


def test_file_over_max_bytes_is_refused_and_not_forceable(root):
    (root / "big.txt").write_text("x" * 101, encoding="utf-8")
    error = refusal(root / "big.txt", root, force=True, max_bytes=100)
    assert error.message.endswith("big.txt is 101 bytes, over the 100-byte limit for tec edit")
    assert "smaller file" in error.hint and "[edit]" in error.hint and "max_bytes" in error.hint
    assert "--force" not in error.hint
    assert check_target(str(root / "big.txt"), str(root), max_bytes=101)


@pytest.mark.parametrize("name", [
    ".env", ".env.local", "server.pem", "tls.KEY", "id_rsa", "id_ed25519", "id_ecdsa_work", "cert.p12",
    "cert.pfx", "credentials", "credentials.yaml", "gcp-credentials.json", ".netrc", ".npmrc", ".pypirc",
    "client_secret.txt", "vault.kdbx",
])
def test_secret_names_are_refused_unless_forced(root, name):
    (root / name).write_text("value\n", encoding="utf-8")
    error = refusal(root / name, root)
    assert "looks like a secret: its name matches" in error.message
    assert "--force" in error.hint
    assert check_target(str(root / name), str(root), force=True) == os.path.realpath(root / name)


@pytest.mark.parametrize("directory", [".ssh", ".aws"])
def test_files_under_secret_directories_are_refused(root, directory):
    (root / directory).mkdir()
    (root / directory / "config").write_text("Host x\n", encoding="utf-8")
    error = refusal(root / directory / "config", root)
    assert f"it is under {directory}/" in error.message and "--force" in error.hint


def test_private_key_content_is_refused_whatever_the_name(root):
    (root / "notes.md").write_text(f"# setup\n{KEY_HEADER}\nabc\n", encoding="utf-8")
    error = refusal(root / "notes.md", root)
    assert "it contains a private key" in error.message
    assert check_target(str(root / "notes.md"), str(root), force=True)


def test_link_named_like_a_secret_is_refused(root):
    (root / "settings.txt").write_text("a=1\n", encoding="utf-8")
    (root / ".env").symlink_to(root / "settings.txt")
    assert "'.env'" in refusal(root / ".env", root).message


def test_link_to_a_secret_is_refused(root):
    (root / ".env").write_text("TOKEN=x\n", encoding="utf-8")
    (root / "settings.txt").symlink_to(root / ".env")
    assert "looks like a secret" in refusal(root / "settings.txt", root).message


@pytest.mark.parametrize("name", ["id_rsa.pub", "id_utils.py", "environment.py", "keys.py", "README.md"])
def test_ordinary_names_are_not_secrets(name):
    assert secrets.looks_secret(name, b"x = 1\n") is None


def test_looks_secret_reasons():
    assert secrets.looks_secret("deploy/.env.production", b"") == "its name matches '.env.*'"
    assert secrets.looks_secret("home/.aws/config", b"") == "it is under .aws/"
    assert (secrets.looks_secret("k.txt", ("-----BEGIN " + "RSA PRIVATE KEY-----").encode())
            == "it contains a private key")
    assert secrets.looks_secret("k.asc", ("-----BEGIN " + "PGP PRIVATE KEY BLOCK-----").encode())
    assert secrets.looks_secret("k.txt", ("-----BEGIN " + "PUBLIC KEY-----").encode()) is None
    assert all(isinstance(p, str) for p in secrets.SECRET_NAME_PATTERNS)


# --- select_region --------------------------------------------------------------------------


def big_file(lines: int = 5000, special: int | None = None) -> str:
    out = []
    for i in range(lines):
        if i == special:
            out.append("def reconcile_ledger_totals(book):  # the one to edit\n")
        else:
            out.append(f"def helper_{i}(value):  # compute the value for the report\n")
    return "".join(out)


def window_text(text: str, span: tuple[int, int]) -> str:
    start, end = span
    return "".join(edits.split_lines(text)[start:end])


def test_whole_file_when_it_fits():
    text = "a\nb\nc"
    assert region.select_region(text, "change b", max_chars=len(text)) == (0, 3)


def test_region_contains_the_unique_identifier_in_a_large_file():
    text = big_file(special=3777)
    start, end = region.select_region(text, "In reconcile_ledger_totals, compute the value with Decimal", 4000)
    assert start <= 3777 < end
    assert len(window_text(text, (start, end))) <= 4000
    assert 3777 - start >= 10 and end - 3777 >= 10  # grown both ways, not pinned to an edge


def test_region_prefers_quoted_string():
    lines = [f"log('step {i} done')\n" for i in range(3000)]
    lines[1234] = "log('ledger sealed')\n"
    text = "".join(lines)
    start, end = region.select_region(text, "change the message 'ledger sealed' to say closed", 500)
    assert start <= 1234 < end


@pytest.mark.parametrize("max_chars", [60, 61, 500, 2_000, 9_999])
def test_region_never_exceeds_max_chars(max_chars):
    text = big_file(special=2500)
    span = region.select_region(text, "reconcile_ledger_totals", max_chars)
    assert 0 < len(window_text(text, span)) <= max_chars
    assert span[0] <= 2500 < span[1]


def test_region_falls_back_to_the_top_without_matches():
    text = big_file()
    start, end = region.select_region(text, "zzz qqq", 1000)
    assert start == 0 and end > 1
    assert len(window_text(text, (start, end))) <= 1000


def test_region_is_deterministic():
    text = big_file(special=100)
    assert len({region.select_region(text, "rename reconcile_ledger_totals", 3000) for _ in range(3)}) == 1


def test_no_line_fits_is_an_input_error():
    with pytest.raises(InputError) as caught:
        region.select_region("x" * 50 + "\n" + "y" * 50, "x", 20)
    assert "20 characters" in caught.value.message and "max_chars" in caught.value.hint


def test_split_lines_splits_only_on_newline():
    assert edits.split_lines("a\x0cb\r\nc\n") == ["a\x0cb\r\n", "c\n"]
    assert edits.split_lines("") == []
    assert edits.split_lines("x") == ["x"]


# --- parse_blocks ---------------------------------------------------------------------------


def block_text(search: str, replace: str) -> str:
    return f"<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


def test_parse_fenced_block():
    reply = "```python\n" + block_text("x = 1\n", "x = 2\n") + "```\n"
    assert edits.parse_blocks(reply) == [Block("x = 1\n", "x = 2\n")]


def test_parse_several_blocks_with_prose_around():
    reply = ("Here are the changes.\n\n" + block_text("a\nb\n", "c\n") + "\nAnd another:\n"
             + block_text("d\n", "") + "Done.")
    assert edits.parse_blocks(reply) == [Block("a\nb\n", "c\n"), Block("d\n", "")]


def test_parse_crlf_reply_and_blank_lines_inside():
    reply = block_text("a\n\nb\n", "a\n  \nb\n").replace("\n", "\r\n")
    assert edits.parse_blocks(reply) == [Block("a\n\nb\n", "a\n  \nb\n")]


def test_parse_keeps_divider_like_lines_in_replacement():
    assert edits.parse_blocks(block_text("t\n", "Title\n=======\n")) == [Block("t\n", "Title\n=======\n")]


def test_parse_empty_search_block():
    assert edits.parse_blocks(block_text("", "new\n")) == [Block("", "new\n")]


@pytest.mark.parametrize("reply", ["", "   \n", "I would change x to 2.", "```\nx = 2\n```"])
def test_parse_without_blocks_says_so(reply):
    with pytest.raises(EditError) as caught:
        edits.parse_blocks(reply)
    assert caught.value.message.startswith("no SEARCH/REPLACE block found")
    assert caught.value.exit_code == 1 and isinstance(caught.value, TecError)


@pytest.mark.parametrize(("reply", "message"), [
    ("<<<<<<< SEARCH\nx\n", "block 1 is unterminated: no ======= after its SEARCH lines"),
    ("<<<<<<< SEARCH\nx\n=======\ny\n", "block 1 is unterminated: no >>>>>>> REPLACE after its ======="),
    (block_text("a\n", "b\n") + "<<<<<<< SEARCH\nx\n=======\ny\n",
     "block 2 is unterminated: no >>>>>>> REPLACE after its ======="),
    ("<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n", "block 1 is unterminated: no ======= after its SEARCH lines"),
    ("<<<<<<< SEARCH\nx\n=======\ny\n<<<<<<< SEARCH\nz\n=======\nw\n>>>>>>> REPLACE\n",
     "block 1 is unterminated: no >>>>>>> REPLACE after its ======="),
    ("x\n=======\ny\n>>>>>>> REPLACE\n", "block 1: >>>>>>> REPLACE without a <<<<<<< SEARCH before it"),
])
def test_parse_malformed_blocks_precisely(reply, message):
    with pytest.raises(EditError) as caught:
        edits.parse_blocks(reply)
    assert caught.value.message == message


def test_edit_format_parses_as_one_block():
    assert edits.parse_blocks(edits.EDIT_FORMAT) == [Block("exact lines from the file\n", "replacement lines\n")]


# --- apply_blocks ---------------------------------------------------------------------------


def apply_error(text: str, blocks: list[Block]) -> str:
    with pytest.raises(EditError) as caught:
        edits.apply_blocks(text, blocks)
    return caught.value.message


def test_apply_exact_match():
    text = "def f():\n    return 1\n\nprint(f())\n"
    assert edits.apply_blocks(text, [Block("    return 1\n", "    return 2\n")]) == text.replace("1\n", "2\n", 1)


def test_apply_blocks_in_order_to_the_running_text():
    blocks = [Block("a\n", "b\n"), Block("b\n", "c\n")]
    assert edits.apply_blocks("a\nx\n", blocks) == "c\nx\n"


def test_apply_deletes_with_empty_replacement():
    assert edits.apply_blocks("a\nb\nc\n", [Block("b\n", "")]) == "a\nc\n"


def test_apply_ignores_trailing_whitespace():
    text = "x = 1   \ny = 2\t\n"
    assert edits.apply_blocks(text, [Block("x = 1\ny = 2\n", "x = 3\n")]) == "x = 3\n"


def test_apply_reindents_when_search_is_less_indented():
    text = "class A:\n    def f(self):\n        return 1\n"
    block = Block("def f(self):\n    return 1\n", "def f(self):\n    return 2\n\n    # note\n")
    assert edits.apply_blocks(text, [block]) == "class A:\n    def f(self):\n        return 2\n\n        # note\n"


def test_apply_reindents_when_search_is_more_indented():
    text = "if x:\n  y()\nz()\n"
    block = Block("        if x:\n          y()\n", "        if x:\n          w()\n      done()\n")
    assert edits.apply_blocks(text, [block]) == "if x:\n  w()\ndone()\nz()\n"


def test_apply_reindents_with_tabs():
    text = "func f() {\n\treturn 1\n}\n"
    assert edits.apply_blocks(text, [Block("return 1\n", "return 2\n")]) == "func f() {\n\treturn 2\n}\n"


def test_inconsistent_indentation_does_not_match():
    text = "    a\n        b\n"
    message = apply_error(text, [Block("a\nb\n", "c\n")])
    assert message.startswith("block 1: SEARCH not found (first line: 'a')")


def test_exact_match_wins_over_loose_ones():
    text = "  x\nx\n    x\n"
    assert edits.apply_blocks(text, [Block("x\n", "y\n")]) == "  x\ny\n    x\n"


def test_missing_match_names_block_and_first_line():
    text = "a\nb\n"
    message = apply_error(text, [Block("a\n", "A\n"), Block("\n  zzz()\n", "q\n")])
    assert message == ("block 2: SEARCH not found (first line: 'zzz()'); copy the lines exactly from the file")


def test_ambiguous_match_names_count_and_first_line():
    text = "return x\nfoo\nreturn x\n"
    message = apply_error(text, [Block("return x\n", "return y\n")])
    assert message == ("block 1: SEARCH matches 2 places (first line: 'return x'); "
                       "add surrounding lines so it matches exactly one")


def test_ambiguous_loose_match():
    text = "  return x\n    return x\n"
    assert "matches 2 places" in apply_error(text, [Block("return x\n", "return y\n")])


def test_long_first_line_is_shortened():
    search = "x" * 200 + "\n"
    message = apply_error("a\n", [Block(search, "")])
    assert "x" * 77 + "..." in message and "x" * 81 not in message


def test_empty_search_inserts_into_an_empty_file():
    assert edits.apply_blocks("", [Block("", "print('hi')\n")]) == "print('hi')\n"


def test_empty_search_is_refused_for_a_non_empty_file():
    assert "SEARCH is empty" in apply_error("x\n", [Block("", "y\n")])


def test_apply_preserves_crlf():
    text = "a\r\nb\r\nc\r\n"
    assert edits.apply_blocks(text, [Block("b\n", "B1\nB2\n")]) == "a\r\nB1\r\nB2\r\nc\r\n"


def test_apply_preserves_crlf_without_final_newline():
    text = "a\r\nb"
    assert edits.apply_blocks(text, [Block("a\n", "A\n")]) == "A\r\nb"


def test_apply_keeps_untouched_endings_in_a_mixed_file():
    text = "a\r\nb\nc\r\nd\r\n"
    assert edits.apply_blocks(text, [Block("d\n", "D\n")]) == "a\r\nb\nc\r\nD\r\n"


def test_no_final_newline_stays_absent_when_last_line_is_replaced():
    assert edits.apply_blocks("a\nb", [Block("b\n", "c\nd\n")]) == "a\nc\nd"


def test_no_final_newline_stays_absent_when_last_line_is_deleted():
    assert edits.apply_blocks("a\nb", [Block("b\n", "")]) == "a"


def test_final_newline_stays_when_last_line_is_replaced():
    assert edits.apply_blocks("a\nb\n", [Block("b", "c")]) == "a\nc\n"


line_text = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(line_text, min_size=1, max_size=30), data=st.data(), final_newline=st.booleans(),
       crlf=st.booleans())
def test_replacing_a_unique_line_changes_only_that_line(lines, data, final_newline, crlf):
    if not final_newline and lines[-1] == "":
        lines = [*lines[:-1], "tail"]  # without a final newline, an empty last line is no line at all
    unique = [i for i, line in enumerate(lines) if lines.count(line) == 1]
    if not unique:
        lines = [*lines, "\x00unique\x00"]
        unique = [len(lines) - 1]
    index = data.draw(st.sampled_from(unique))
    replacement = data.draw(line_text)
    newline = "\r\n" if crlf else "\n"
    text = newline.join(lines) + (newline if final_newline else "")
    result = edits.apply_blocks(text, [Block(lines[index] + "\n", replacement + "\n")])
    expected = [*lines[:index], replacement, *lines[index + 1 :]]
    assert result == newline.join(expected) + (newline if final_newline else "")


# --- unified_diff ---------------------------------------------------------------------------


def test_unified_diff_has_git_prefixes():
    diff = edits.unified_diff("a\nb\n", "a\nc\n", "src/app.py")
    assert diff.splitlines() == ["--- a/src/app.py", "+++ b/src/app.py", "@@ -1,2 +1,2 @@", " a", "-b", "+c"]


def test_unified_diff_marks_missing_final_newline():
    diff = edits.unified_diff("a\nb", "a\nb\n", "f.txt")
    assert diff.endswith("-b\n\\ No newline at end of file\n+b\n")


def test_unified_diff_of_equal_texts_is_empty():
    assert edits.unified_diff("same\n", "same\n", "f") == ""


# --- write_with_backup ----------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path):
    """A directory of its own, so listing it shows only what the test and the code put there."""
    path = tmp_path / "work"
    path.mkdir()
    return path


def test_write_replaces_content_keeps_mode_and_backs_up(workdir):
    target = workdir / "run.sh"
    target.write_bytes(b"echo old\r\n")
    target.chmod(0o751)
    backups = workdir / "backups" / "nested"
    backup = edits.write_with_backup(str(target), "echo new\r\n", str(backups))
    assert target.read_bytes() == b"echo new\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o751
    assert os.path.dirname(backup) == str(backups) and backup.endswith("-run.sh")
    with open(backup, "rb") as fh:
        assert fh.read() == b"echo old\r\n"
    assert sorted(os.listdir(workdir)) == ["backups", "run.sh"]  # no temporary file left


def test_backups_never_overwrite_each_other(tmp_path, monkeypatch):
    monkeypatch.setattr(time, "strftime", lambda fmt: "20260101-120000")  # both writes in the same second
    target = tmp_path / "a.txt"
    target.write_text("v1\n", encoding="utf-8")
    first = edits.write_with_backup(str(target), "v2\n", str(tmp_path / "bk"))
    second = edits.write_with_backup(str(target), "v3\n", str(tmp_path / "bk"))
    assert (os.path.basename(first), os.path.basename(second)) == ("20260101-120000-a.txt", "20260101-120000.1-a.txt")
    with open(first, encoding="utf-8") as one, open(second, encoding="utf-8") as two:
        assert (one.read(), two.read()) == ("v1\n", "v2\n")
    assert target.read_text(encoding="utf-8") == "v3\n"


def test_write_follows_a_symlink(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    edits.write_with_backup(str(link), "new\n", str(tmp_path / "bk"))
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"


def test_backup_dir_that_is_a_file_leaves_the_original_untouched(workdir):
    target = workdir / "a.py"
    target.write_bytes(b"x = 1\n")
    before = target.stat()
    blocker = workdir / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(TecError) as caught:
        edits.write_with_backup(str(target), "x = 2\n", str(blocker))
    assert "could not back up" in caught.value.message and caught.value.hint == "the file is unchanged"
    assert target.read_bytes() == b"x = 1\n" and target.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(os.listdir(workdir)) == ["a.py", "not-a-dir"]


def test_failed_replace_leaves_the_original_untouched(workdir, monkeypatch):
    target = workdir / "a.py"
    target.write_bytes(b"x = 1\n")

    def refuse(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(edits.os, "replace", refuse)
    with pytest.raises(TecError) as caught:
        edits.write_with_backup(str(target), "x = 2\n", str(workdir / "bk"))
    assert caught.value.message == f"could not write {target}: disk on fire"
    assert "unchanged" in caught.value.hint
    assert target.read_bytes() == b"x = 1\n"
    assert sorted(os.listdir(workdir)) == ["a.py", "bk"]  # the temporary file was removed
    (backup,) = os.listdir(workdir / "bk")
    assert (workdir / "bk" / backup).read_bytes() == b"x = 1\n"
