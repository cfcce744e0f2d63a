"""The secrets policy, end to end: every refusal happens before a request leaves, for edit,
execute --prompt-file, validate --output and prompt text alike, against real SDKs on loopback fakes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fakes import FakeAnthropic, FakeGemini, anthropic_text, gemini_text, loopback_env
from helpers import write_config
from tec.errors import InputError
from tec.run import edit, execute, secrets, validation

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
# Credentials assembled at run time, so this file itself holds none.
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
ANTHROPIC = "sk-ant-" + "api03-" + "x" * 40
OPENAI = "sk-proj-" + "Ab3" * 12
SLACK = "xoxb-" + "123456789012-1234567890123-" + "abcdEFGHijklMNOPqrstUVWX"
AWS_ID = "AKIA" + "ABCDEFGHIJKLMNOP"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

# (relative path, content): every one is refused before anything is sent
SECRET_FILES = [
    (".git-credentials", f"https://user:{GITHUB}@github.com\n"),
    (".pgpass", "localhost:5432:app:admin:hunter2\n"),
    (".docker/config.json", '{"auths": {"ghcr.io": {"auth": "dXNlcjpwYXNzd29yZA=="}}}\n'),
    ("terraform.tfstate", '{"version": 4, "resources": []}\n'),
    ("prod.tfvars", 'db_password = "hunter2"\n'),
    ("kubeconfig", "apiVersion: v1\nkind: Config\n"),
    (".kube/config", "apiVersion: v1\nkind: Config\n"),
    (".npmrc", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789\n"),
    ("src/aws.py", f'AWS_ACCESS_KEY_ID = "{AWS_ID}"\naws_secret_access_key = "{AWS_SECRET}"\n'),
    ("src/client.py", f'API_KEY = "{ANTHROPIC}"\n'),
    ("src/gh.py", f'TOKEN = "{GITHUB}"\n'),
    ("src/bot.js", f'const slack = "{SLACK}";\n'),
    ("src/llm.ts", f'const key = "{OPENAI}";\n'),
    ("src/auth_test.py", f'TOKEN = "{JWT}"\n'),
]
GIT_FILES = [".git/config", ".git/HEAD", ".git/hooks/pre-commit"]


@pytest.fixture
def fakes(monkeypatch):
    with FakeAnthropic() as claude, FakeGemini() as gemini:
        loopback_env(monkeypatch, anthropic=claude, gemini=gemini)
        write_config("[execution]\nretries = 0\ntimeout_s = 2\n")
        yield claude, gemini


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(root))
    monkeypatch.delenv(secrets.FORCE_ENV, raising=False)
    for rel, text in [*SECRET_FILES, *((g, "[core]\n") for g in GIT_FILES)]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def sent(fakes) -> int:
    return sum(len(fake.requests) for fake in fakes)


@pytest.mark.parametrize(("rel", "text"), SECRET_FILES)
def test_edit_sends_no_secret_file(fakes, project, rel, text):
    with pytest.raises(InputError, match="looks like a secret") as info:
        edit.edit_file(str(project / rel), "tidy it up", apply=True)
    assert "--force" in info.value.hint
    assert sent(fakes) == 0
    assert (project / rel).read_text() == text


@pytest.mark.parametrize("rel", GIT_FILES)
def test_nothing_under_dot_git_is_sent_or_written_even_with_force(fakes, project, monkeypatch, rel):
    monkeypatch.setenv(secrets.FORCE_ENV, "1")
    with pytest.raises(InputError, match=r"inside \.git/") as info:
        edit.edit_file(str(project / rel), "add a line", apply=True, force=True)
    assert "--force" not in info.value.hint
    assert sent(fakes) == 0 and (project / rel).read_text() == "[core]\n"


@pytest.mark.parametrize("text", [ANTHROPIC, GITHUB, OPENAI, SLACK, AWS_ID, JWT])
def test_a_prompt_holding_a_credential_is_not_sent(fakes, text):
    with pytest.raises(InputError, match="contains") as info:
        execute.execute("haiku", f"fix the client, it uses {text} as the key", 64)
    assert text not in info.value.message
    assert sent(fakes) == 0


def test_validate_refuses_a_secret_output_and_task(fakes):
    with pytest.raises(InputError, match="output to judge contains a GitHub token"):
        validation.validate("check this", f"token = {GITHUB}")
    with pytest.raises(InputError, match="task contains an Anthropic API key"):
        validation.validate(f"use {ANTHROPIC}", "done")
    assert sent(fakes) == 0


def run_cli(*argv: str, cwd, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SCRIPTS, **(env_extra or {})}
    env.pop(secrets.FORCE_ENV, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "tec", *argv], cwd=cwd, capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=60)


def test_execute_prompt_file_and_validate_output_pass_the_same_policy(fakes, project, tmp_path):
    home_ssh = tmp_path / "home" / ".ssh"
    home_ssh.mkdir(parents=True)
    (home_ssh / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    (project / ".env").write_text("TOKEN=abc\n")
    cases = [("execute", "--model", "haiku", "--prompt-file", str(home_ssh / "id_rsa")),
             ("execute", "--model", "haiku", "--prompt-file", ".env"),
             ("validate", "--task", "t", "--output", ".env"),
             ("validate", "--task", "t", "--output", str(home_ssh / "id_rsa"))]
    for argv in cases:
        proc = run_cli(*argv, cwd=project)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert ("outside the project root" in proc.stderr) or ("looks like a secret" in proc.stderr), proc.stderr
    assert sent(fakes) == 0


def test_force_needs_a_person_at_a_terminal(fakes, project):
    """The skill pre-approves edit.py; a model (or an injected prompt) passing --force must not be enough."""
    claude, gemini = fakes
    proc = run_cli("edit", ".pgpass", "set the port to 5433", "--force", cwd=project)
    assert proc.returncode == 2 and "only honoured from an interactive terminal" in proc.stderr
    assert secrets.FORCE_ENV in proc.stderr
    assert sent(fakes) == 0
    gemini.queue(gemini_text("<<<<<<< SEARCH\nlocalhost:5432:app:admin:hunter2\n=======\n"
                             "localhost:5433:app:admin:hunter2\n>>>>>>> REPLACE\n"))
    claude.queue(anthropic_text("unused"))
    proc = run_cli("edit", ".pgpass", "set the port to 5433", "--force", cwd=project,
                   env_extra={secrets.FORCE_ENV: "1"})
    assert proc.returncode == 0, proc.stderr
    assert "+localhost:5433" in proc.stdout and len(gemini.requests) == 1


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("app/.env.example", "TOKEN=\n", None),
    ("keys/id_ed25519.pub", "ssh-ed25519 AAAA user@host\n", None),
    ("README.md", "Set `token: ${{ secrets.TOKEN }}` in the workflow.\n", None),
    ("src/util.py", "def sk_helper(x):\n    return x\n", None),
    ("a/.config/gcloud/credentials.db", "", "its name matches 'credentials*'"),
    ("home/.config/gcloud/access_tokens.db", "", "it is under .config/gcloud/"),
])
def test_the_policy_names_what_it_found_and_leaves_ordinary_files_alone(path, text, expected):
    assert secrets.looks_secret(path, text) == expected


def test_scrub_catches_case_variants_encodings_and_key_shapes(monkeypatch):
    key = "sk-ant-api03-SeCrEtKeY0123456789"
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    from urllib.parse import quote

    text = f"a {key.upper()} b {quote(key + '/=', safe='')} c {key.lower()} d {GITHUB} e"
    scrubbed = secrets.scrub(text)
    assert key.lower() not in scrubbed.lower() and GITHUB not in scrubbed
    assert scrubbed.count("***") >= 4 and scrubbed.startswith("a *** b")
