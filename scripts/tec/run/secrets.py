"""What may be sent to a model: the file checks `tec edit` makes before anything is sent."""

from __future__ import annotations

import os
import re

from ..errors import InputError

# File names (matched case-insensitively against the base name) that usually hold secrets.
SECRET_NAME_PATTERNS = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.p12",
    "*.pfx",
    "credentials*",
    "*credentials.json",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "*secret*",
    "*.kdbx",
)
# Names that match a pattern above but are public by convention (SSH public keys).
SECRET_NAME_EXCEPTIONS = ("id_*.pub",)
# Directories whose files are secrets whatever their names.
SECRET_DIRS = (".ssh", ".aws", ".gnupg")
PRIVATE_KEY_HEADER = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")

BINARY_SNIFF_BYTES = 8192
FORCE_HINT = "secrets are never sent to a model; pass --force if this file holds none"

def check_target(path: str, root: str, *, force: bool = False, max_bytes: int = 200_000) -> str:
    """The file's real path if it may be sent to a model; InputError naming the problem and the fix otherwise.

    Only a secret can be forced: the other refusals are about what an edit can do at all.
    Relative paths are taken from the current directory, as the user typed them.
    """
    import stat

    real, real_root = os.path.realpath(path), os.path.realpath(root)
    if os.path.commonpath([real, real_root]) != real_root:
        raise InputError(f"{path} is outside the project root {root}",
                         hint="edit files inside the project; symlinks are resolved, so a link out of it is refused")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint="check the path") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is a directory", hint="name one file; tec edit changes a single file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path} is not a regular file", hint="tec edit only changes regular text files")
    if st.st_size > max_bytes:
        raise InputError(f"{path} is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit for tec edit",
                         hint="edit a smaller file, or raise `max_bytes` under [edit] in the config")
    try:
        with open(real, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}", hint="check the file's permissions") from None
    _refuse_binary(path, data)
    if not force:
        for name, content in ((os.path.relpath(real, real_root), data), (path, b"")):
            reason = looks_secret(name, content)
            if reason:
                raise InputError(f"{path} looks like a secret: {reason}", hint=FORCE_HINT)
    return real


def _refuse_binary(path: str, data: bytes) -> None:
    hint = "tec edit only changes UTF-8 text files"
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        raise InputError(f"{path} is a binary file (NUL byte in the first 8 KB)", hint=hint)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (undecodable byte at offset {exc.start})", hint=hint) from None


def looks_secret(path: str, head_bytes: bytes) -> str | None:
    """Why `path` (with `head_bytes`, its first bytes or all of them) looks like a secret, or None.

    Pure, so the rules can be tested without files: name patterns, secret directories, key headers.
    """
    from fnmatch import fnmatchcase

    parts = [part.lower() for part in re.split(r"[\\/]", path) if part]
    name = parts[-1] if parts else ""
    if not any(fnmatchcase(name, pattern) for pattern in SECRET_NAME_EXCEPTIONS):
        for pattern in SECRET_NAME_PATTERNS:
            if fnmatchcase(name, pattern):
                return f"its name matches {pattern!r}"
    for directory in SECRET_DIRS:
        if directory in parts[:-1]:
            return f"it is under {directory}/"
    if PRIVATE_KEY_HEADER.search(head_bytes):
        return "it contains a private key"
    return None
