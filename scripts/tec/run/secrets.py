"""The secrets policy: what may be sent to a model. One policy, as data (`data/secrets.json`),
for every file and text that `tec edit`, `tec execute`, `tec validate` and the MCP tools send.

A file is refused, before anything is sent, when it is:
- not a regular UTF-8 text file inside the project root (symlinks resolved), or over the size limit;
- inside a `never` folder (`.git/`): refused even with --force, since a model must neither read
  its credentials nor have `--apply` write its hooks;
- named like a secret, inside a secret folder, or holding a known credential format in its text.
Any text sent is checked for credential formats too. Only the last group can be overridden, with
`--force` given by a person at a terminal (or with `TEC_ALLOW_FORCE=1` set by the user): the
skill pre-approves these scripts, so a model's own `--force` must not open the door.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from fnmatch import fnmatchcase

from .. import bundled
from ..config import KEY_VARS
from ..errors import InputError

BINARY_SNIFF_BYTES = 8192
FORCE_ENV = "TEC_ALLOW_FORCE"
FORCE_HINT = (f"secrets are never sent to a model; if this holds none, pass --force from a terminal "
              f"(or set {FORCE_ENV}=1 yourself)")

_policy = bundled.load("secrets.json")
SECRET_NAME_PATTERNS = tuple(_policy["names"])
SECRET_NAME_EXCEPTIONS = tuple(_policy["name_exceptions"])
SECRET_DIRS = tuple(_policy["dirs"])
NEVER_DIRS = tuple(_policy["never"])
_CONTENT = tuple((c["what"], re.compile(c["pattern"])) for c in _policy["content"])
CONTENT_KINDS = tuple(what for what, _ in _CONTENT)


def force_allowed() -> bool:
    """Whether a `--force` may be honoured: a person at a terminal, or the user's own opt-in."""
    if os.environ.get(FORCE_ENV) == "1":
        return True
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stderr))


def check_force(force: bool) -> bool:
    """`force`, refused with a clear error when it cannot be honoured (see `force_allowed`)."""
    if force and not force_allowed():
        raise InputError("--force is only honoured from an interactive terminal",
                         f"run the command yourself in a terminal, or set {FORCE_ENV}=1 in your own environment")
    return force


def project_root(cwd: str | None = None) -> str:
    """`$CLAUDE_PROJECT_DIR`, else the enclosing git work tree, else the working directory."""
    env = os.environ.get("CLAUDE_PROJECT_DIR")
    if env:
        return os.path.realpath(env)
    here = os.path.realpath(cwd or os.getcwd())
    probe = here
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def read_file(path: str, root: str, *, force: bool = False, max_bytes: int | None = None,
              what: str = "file") -> tuple[str, str]:
    """`max_bytes` is `tec edit`'s limit (`[edit] max_bytes`); other files are priced, and budgeted, by size."""
    """(real path, text) of a file that may be sent to a model; InputError naming the problem and
    the fix otherwise. Relative paths are taken from the current directory, as the user typed them."""
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint="check the path") from None
    if os.path.commonpath([real, real_root]) != real_root:
        raise InputError(f"{path} is outside the project root {root}",
                         hint="only files inside the project are sent to a model; symlinks are resolved, "
                              "so a link out of it is refused")
    relative = os.path.relpath(real, real_root)
    never = _never(relative) or _never(path)
    if never:
        raise InputError(f"{path} is inside {never}/: never sent to a model, and never changed by tec",
                         hint="pick a file of the project itself")
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is a directory", hint=f"name a single file as the {what}")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path} is not a regular file", hint="only regular text files are sent")
    if max_bytes is not None and st.st_size > max_bytes:
        raise InputError(f"{path} is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit for tec edit",
                         hint="edit a smaller file, or raise `max_bytes` under [edit] in the config")
    try:
        with open(real, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}", hint="check the file's permissions") from None
    text = _text(path, data)
    if not check_force(force):
        for name in (relative, path):
            reason = looks_secret(name, text)
            if reason:
                raise InputError(f"{path} looks like a secret: {reason}", hint=FORCE_HINT)
    return real, text


def check_text(text: str, what: str, *, force: bool = False) -> None:
    """InputError when `text` (a prompt, an output to judge) holds a known credential format."""
    if check_force(force):
        return
    reason = secret_in(text)
    if reason:
        raise InputError(f"the {what} contains {reason}; it is not sent to a model", hint=FORCE_HINT)


def looks_secret(path: str, text: str | bytes = "") -> str | None:
    """Why `path` (with `text`, its content) looks like a secret, or None. Pure, so the rules can
    be tested without files: name patterns, secret folders, credential formats."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    parts = [part.lower() for part in re.split(r"[\\/]", path) if part and part != "."]
    name = parts[-1] if parts else ""
    if not any(fnmatchcase(name, pattern) for pattern in SECRET_NAME_EXCEPTIONS):
        for pattern in SECRET_NAME_PATTERNS:
            if fnmatchcase(name, pattern):
                return f"its name matches {pattern!r}"
    folders = "/" + "/".join(parts[:-1]) + "/"
    for directory in SECRET_DIRS:
        if f"/{directory}/" in folders:
            return f"it is under {directory}/"
    found = secret_in(text)
    return f"it contains {found}" if found else None


def secret_in(text: str) -> str | None:
    """The first credential format found in `text` ("an AWS access key id"), or None."""
    for what, pattern in _CONTENT:
        if pattern.search(text):
            return what
    return None


_SCRUBBED_VARS = (*KEY_VARS["anthropic"], *KEY_VARS["google"], "ANTHROPIC_AUTH_TOKEN")


def scrub(text: str) -> str:
    """`text` with every API key in the environment replaced by `***`, in any letter case and
    URL-encoded too, and with anything else shaped like a known credential masked as well."""
    from urllib.parse import quote

    for name in _SCRUBBED_VARS:
        value = os.environ.get(name, "").strip()
        if len(value) >= 8:
            for form in {value, quote(value, safe="")}:
                text = re.sub(re.escape(form), "***", text, flags=re.IGNORECASE)
    for _what, pattern in _CONTENT:
        text = pattern.sub("***", text)
    return text


def _never(path: str) -> str | None:
    parts = [part for part in re.split(r"[\\/]", path) if part]
    return next((folder for folder in NEVER_DIRS if folder in parts), None)


def _text(path: str, data: bytes) -> str:
    hint = "only UTF-8 text files are sent to a model"
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise InputError(f"{path} is a binary file (NUL byte in the first 8 KB)", hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (undecodable byte at offset {exc.start})", hint=hint) from None
