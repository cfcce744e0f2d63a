"""Claude Code transcripts → ledger: dedupe, skips, subagents, offsets, torn lines, speed bounds."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import transcript_tree as tt
from tec.costs import ingest, store, transcripts
from tec.errors import InputError


def totals(book: store.Ledger) -> dict:
    """Per model: input, output, cache_write (5m + 1h), cache_read, as the tree counts them."""
    out = {}
    query = ("select model, sum(input), sum(output), sum(cache_write_5m + cache_write_1h), sum(cache_read) "
             "from entries group by model")
    for model, *sums in book.db.execute(query):
        out[model] = dict(zip(tt.KINDS, sums))
    return out


def ingest_tree(root: str, book: store.Ledger, **kwargs) -> ingest.IngestStats:
    return ingest.ingest(transcripts.transcript_files([root]), book, **kwargs)


@pytest.fixture
def book():
    with store.Ledger() as opened:
        yield opened


@pytest.fixture
def claude(tmp_path):
    return str(tmp_path / "claude")


def small_tree(root: str) -> tuple[tt.Tree, tt.Transcript, tt.Transcript]:
    """The hand-counted tree of the tests below."""
    tree = tt.Tree(root)
    main = tree.session("/home/dev/shop", "11111111-2222-4333-8444-555555555555")
    main.prompt("add a discount field")
    # one response, three content blocks: counted once
    opus_id, _ = main.response("claude-opus-5-5", {"input_tokens": 100, "output_tokens": 50,
                                                   "cache_5m": 1000, "cache_read_input_tokens": 2000}, blocks=3)
    # an older CLI's placeholder first copy (output 1), then the real usage (output 400)
    main.response("claude-sonnet-5-5", {"input_tokens": 10, "output_tokens": 400}, blocks=2, placeholder=True)
    main.synthetic()
    main.api_error(input_tokens=50, output_tokens=5)  # not billed: skipped even with usage
    main.raw("{this is not json")
    main.cost_state(0.0123)
    agent = main.subagent("aaaa")
    agent.response("claude-haiku-5-5", {"input_tokens": 30, "output_tokens": 20, "cache_1h": 500})
    # a /btw side question replays the parent's response under a new request id
    agent.response("claude-opus-5-5", {"input_tokens": 100, "output_tokens": 50}, message_id=opus_id, counted=False)
    main.write(torn_tail='{"type":"assistant","message":{"id":"msg_torn","usa')
    agent.write()
    return tree, main, agent


SMALL_EXPECTED = {
    "claude-opus-5-5": {"input": 100, "output": 50, "cache_write": 1000, "cache_read": 2000},
    "claude-sonnet-5-5": {"input": 10, "output": 400, "cache_write": 0, "cache_read": 0},
    "claude-haiku-5-5": {"input": 30, "output": 20, "cache_write": 500, "cache_read": 0},
}


def test_small_tree_hand_counted(claude, book):
    tree, main, _agent = small_tree(claude)
    stats = ingest_tree(claude, book)
    assert totals(book) == SMALL_EXPECTED == tree.expected
    assert stats.responses == 3  # the replay is not recorded
    assert stats.sidechain_repeats == 1
    assert stats.skipped == 2  # the synthetic message and the API error
    assert stats.malformed == 1 and stats.incomplete == 1
    # the main file: prompt, 3 opus copies, 2 sonnet copies, synthetic, error, then the bad line 9
    assert any(main.path + ":9: skipped a malformed line" in w for w in stats.warnings), stats.warnings
    costs = dict(book.db.execute("select model, cost from entries"))
    # opus 5.5: 100×4 + 50×20 + 1000×5 (5m write) + 2000×0.2 = 6800 per 1M
    assert costs["claude-opus-5-5"] == pytest.approx(0.0068)
    # sonnet 5.5: 10×2 + 400×10 = 4020 per 1M
    assert costs["claude-sonnet-5-5"] == pytest.approx(0.00402)
    # haiku 5.5: 30×0.1 + 20×0.5 + 500×0.2 (1h write) = 113 per 1M
    assert costs["claude-haiku-5-5"] == pytest.approx(0.000113)
    sessions = {row[0] for row in book.db.execute("select distinct session from entries")}
    assert sessions == {"11111111-2222-4333-8444-555555555555"}
    projects = {row[0] for row in book.db.execute("select distinct project from entries")}
    assert projects == {"/home/dev/shop"}
    state = book.db.execute("select total_cost_usd from cost_states").fetchone()
    assert state == (0.0123,)


def test_reingest_reads_nothing_and_changes_nothing(claude, book):
    small_tree(claude)
    ingest_tree(claude, book)
    before = totals(book)
    again = ingest_tree(claude, book)
    assert again.files_read == 1  # only the file with the incomplete last line is looked at again
    assert again.responses == 0 and totals(book) == before


def test_torn_line_is_read_once_completed(claude, book):
    tree, main, _agent = small_tree(claude)
    ingest_tree(claude, book)
    main.lines.append('{"not":"usage"}')
    main.response("claude-opus-5-5", {"input_tokens": 7, "output_tokens": 3})
    main.write()
    stats = ingest_tree(claude, book)
    expected = dict(SMALL_EXPECTED)
    expected["claude-opus-5-5"] = {"input": 107, "output": 53, "cache_write": 1000, "cache_read": 2000}
    assert totals(book) == expected == tree.expected
    assert stats.incomplete == 0


def test_a_new_turn_reads_only_the_new_bytes(claude, book):
    tree = tt.Tree(claude)
    main = tree.session("/p")
    for _ in range(50):
        main.response("claude-haiku-5-5", {"input_tokens": 5, "output_tokens": 5}, text_size=2000)
    main.write()
    ingest_tree(claude, book)
    start = len(main.lines)
    main.prompt("one more thing")
    main.response("claude-opus-5-5", {"input_tokens": 9, "output_tokens": 1})
    main.append_lines(start)
    added = sum(len(line.encode()) + 1 for line in main.lines[start:])
    stats = ingest_tree(claude, book)
    assert stats.bytes == added
    assert stats.responses == 1 and totals(book) == tree.expected


def test_placeholder_split_across_runs_keeps_the_full_usage(claude, book):
    tree = tt.Tree(claude)
    main = tree.session("/p")
    main.response("claude-sonnet-5-5", {"input_tokens": 10, "output_tokens": 700}, blocks=2, placeholder=True)
    lines = list(main.lines)
    main.lines = lines[:1]
    main.write()
    ingest_tree(claude, book)
    assert totals(book)["claude-sonnet-5-5"]["output"] == 1  # only the placeholder so far
    main.lines = lines
    main.append_lines(1)
    ingest_tree(claude, book)
    assert totals(book) == tree.expected
    assert book.count() == 1


def test_a_truncated_or_replaced_file_is_read_again_without_double_counting(claude, book):
    tree = tt.Tree(claude)
    main = tree.session("/p")
    main.response("claude-haiku-5-5", {"input_tokens": 5, "output_tokens": 5})
    main.response("claude-haiku-5-5", {"input_tokens": 6, "output_tokens": 6})
    main.write()
    ingest_tree(claude, book)
    main.lines = main.lines[:1]  # truncated: shorter than what was read
    main.write()
    stats = ingest_tree(claude, book)
    assert stats.restarted == 1 and totals(book) == tree.expected
    other = tt.Tree(claude, seed=99).session("/p", main.session_id)  # replaced by a new file (rotation)
    other.path = main.path + ".new"
    other.response("claude-opus-5-5", {"input_tokens": 3, "output_tokens": 3}, message_id="msg_new",
                   request_id="req_new")
    os.replace(other.write(), main.path)
    stats = ingest_tree(claude, book)
    assert stats.restarted == 1
    assert totals(book)["claude-opus-5-5"] == {"input": 3, "output": 3, "cache_write": 0, "cache_read": 0}


def test_parent_copies_in_subagent_files_count_once(claude, book):
    tree = tt.Tree(claude)
    main = tree.session("/p")
    mid, rid = main.response("claude-opus-5-5", {"input_tokens": 40, "output_tokens": 4})
    agent = main.subagent()
    agent.response("claude-opus-5-5", {"input_tokens": 40, "output_tokens": 4}, message_id=mid, request_id=rid,
                   counted=False)
    agent.write()  # the subagent file first: order must not matter
    ingest_tree(claude, book)
    main.write()
    ingest_tree(claude, book)
    assert totals(book) == tree.expected and book.count() == 1


def test_random_trees_match_the_writer(claude, book):
    tree = tt.random_tree(claude, sessions=20, turns=40, seed=7)
    stats = ingest_tree(claude, book)
    assert totals(book) == tree.expected
    assert stats.responses == tree.responses


def test_parallel_cold_ingest_matches_the_writer(claude, book, monkeypatch):
    tree, _main, _agent = small_tree(claude)
    more = tt.random_tree(claude, sessions=6, turns=30, seed=8)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    stats = ingest_tree(claude, book, workers=2)
    expected = {m: dict(v) for m, v in more.expected.items()}
    for model, counts in tree.expected.items():
        for kind, n in counts.items():
            expected[model][kind] += n
    assert totals(book) == expected
    assert stats.sidechain_repeats == 1 and stats.malformed == 1 and stats.incomplete == 1
    assert stats.files_read == len(transcripts.transcript_files([claude]))


def test_session_files_include_subagents(claude):
    _tree, main, agent = small_tree(claude)
    assert transcripts.session_files(main.path) == [main.path, agent.path]
    assert transcripts.session_files(os.path.join(claude, "missing.jsonl")) == []


def test_config_dirs(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{tmp_path}/a, {tmp_path}/b")
    assert transcripts.claude_dirs() == [f"{tmp_path}/a", f"{tmp_path}/b"]
    monkeypatch.delenv("CLAUDE_CONFIG_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert transcripts.claude_dirs() == [f"{tmp_path}/.claude"]
    with pytest.raises(InputError, match="no such directory"):
        transcripts.transcript_files([str(tmp_path / "nope")])


@pytest.mark.parametrize(("text", "ms"), [
    ("2025-11-25T23:36:05.922Z", 1_764_113_765_922),
    ("2025-11-25T23:36:05Z", 1_764_113_765_000),
    ("2025-11-26T00:36:05.9+01:00", 1_764_113_765_900),
    ("2025-11-25T18:06:05.922123-05:30", 1_764_113_765_922),
    ("2026-11-25", None),
    ("yesterday", None),
    (None, None),
    ("2026-11-25T23:36:05+0", None),
])
def test_parse_time(text, ms):
    assert transcripts.parse_time(text) == ms


def test_cache_writes_take_the_larger_of_total_and_split():
    usage = {"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": 900,
             "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 300}}
    assert transcripts.usage_tokens(usage) == {"input": 1, "output": 2, "cache_write_5m": 600,
                                               "cache_write_1h": 300, "cache_read": 0, "thinking": 0}
    usage["cache_creation_input_tokens"] = 0  # an older CLI left the total empty
    assert transcripts.usage_tokens(usage)["cache_write_5m"] == 100
    assert transcripts.usage_tokens({"input_tokens": None}) == {
        "input": 0, "output": 0, "cache_write_5m": 0, "cache_write_1h": 0, "cache_read": 0, "thinking": 0}


@pytest.mark.parametrize("value", ["9", -3, 1.5, 1e308, 99999999999999999999999, 10**9, True, float("nan")])
def test_an_impossible_token_count_is_named(value):
    with pytest.raises(ValueError, match=r"output_tokens = .* is not a plausible token count"):
        transcripts.usage_tokens({"input_tokens": 1, "output_tokens": value})


def test_a_deadline_stops_between_chunks_and_the_next_run_finishes(claude, book, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK_BYTES", 4096)
    tree = tt.random_tree(claude, sessions=3, turns=60, seed=3)
    first = ingest_tree(claude, book, deadline=time.monotonic())
    assert first.timed_out
    for _ in range(200):
        if not ingest_tree(claude, book, deadline=time.monotonic() + 0.001).timed_out:
            break
    assert totals(book) == tree.expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.floats(0, 1), max_size=6), seed=st.integers(0, 1000))
def test_any_split_of_the_writes_gives_the_same_totals(tmp_path_factory, cuts, seed):
    """Claude Code appends while we read: ingesting after every partial write, torn lines
    included, must end with exactly the one-shot totals."""
    root = str(tmp_path_factory.mktemp("tree"))
    tree = tt.random_tree(root, sessions=2, turns=12, seed=seed, tool_bytes=200, subagent_every=1)
    files = transcripts.transcript_files([root])
    contents = {}
    for path in files:
        with open(path, "rb") as fh:
            contents[path] = fh.read()
    home = tmp_path_factory.mktemp("ledger")
    with store.Ledger(str(home / "ledger.sqlite3")) as book:
        for cut in sorted(cuts):
            for path, data in contents.items():
                with open(path, "wb") as fh:
                    fh.write(data[: int(len(data) * cut)])
            ingest.ingest(files, book)
        for path, data in contents.items():
            with open(path, "wb") as fh:
                fh.write(data)
        ingest.ingest(files, book)
        assert totals(book) == tree.expected


def _ingest_in_process(root: str) -> int:
    with store.Ledger() as opened:
        return ingest_tree(root, opened).responses


def test_concurrent_ingests_count_once(claude):
    tree = tt.random_tree(claude, sessions=10, turns=40, seed=11)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(_ingest_in_process, [claude] * 4)
    with store.Ledger() as book:
        assert totals(book) == tree.expected
        assert book.count() == tree.responses


def test_progress_bar_only_on_a_terminal(capsys):
    class Tty:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    tty = Tty()
    show = ingest.progress_bar(tty)
    for done in range(1, 11):
        show(done, 10, done * 1_000_000)
    assert "10/10 files" in tty.text and tty.text.endswith("\n")
    with open(os.devnull, "w") as devnull:
        assert ingest.progress_bar(devnull) is None


# --------------------------------------------------------------------------- damaged lines


def _assistant(n: int, usage: dict, timestamp: str = "2026-11-25T10:00:00.000Z", extra: str = "") -> str:
    import json

    line = {"type": "assistant", "requestId": f"req_{n}", "sessionId": "s-dmg", "timestamp": timestamp,
            "message": {"id": f"msg_{n}", "model": "claude-haiku-5-5", "usage": usage,
                        "content": [{"type": "text", "text": f"answer {n}{extra}"}]}}
    return json.dumps(line, ensure_ascii=False)


def _write_session(claude: str, name: str, lines: list[str]) -> str:
    folder = os.path.join(claude, "projects", "-p")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.jsonl")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("value", ["99999999999999999999999", "-5", "1e308", "12.5", '"7"'])
def test_one_impossible_count_costs_one_line_and_nothing_else(claude, book, value):
    good = {"input_tokens": 10, "output_tokens": 5}
    bad_line = _assistant(2, {"input_tokens": 1, "output_tokens": 1}).replace('"input_tokens": 1,',
                                                                            f'"input_tokens": {value},', 1)
    path = _write_session(claude, "a", [_assistant(1, good), bad_line, _assistant(3, good)])
    stats = ingest_tree(claude, book)
    assert stats.responses == 2 and stats.malformed == 1
    assert any(w.startswith(f"{path}:2: skipped") and "input_tokens" in w and "plausible" in w
               for w in stats.warnings), stats.warnings
    # the file's offset moved on, later sessions are still read, and nothing raises again
    _write_session(claude, "b", [_assistant(4, good)])
    again = ingest_tree(claude, book)
    assert again.responses == 1 and again.malformed == 0
    assert book.count() == 3


def test_an_unreadable_timestamp_is_a_counted_warning(claude, book):
    path = _write_session(claude, "t", [_assistant(1, {"input_tokens": 1}, timestamp="yesterday-ish")])
    stats = ingest_tree(claude, book)
    assert stats.responses == 1 and stats.bad_times == 1
    assert any(w.startswith(f"{path}:1: unreadable timestamp 'yesterday-ish'") for w in stats.warnings)
    (entry,) = book.entries()
    assert entry.ts == os.stat(path).st_mtime_ns // 1_000_000


def test_a_latin1_byte_keeps_the_response_and_says_where(claude, book):
    path = _write_session(claude, "l", [_assistant(1, {"input_tokens": 7}, extra="CAFE")])
    with open(path, "rb") as fh:
        data = fh.read()
    with open(path, "wb") as fh:
        fh.write(data.replace(b"CAFE", b"caf\xe9"))
    stats = ingest_tree(claude, book)
    assert stats.responses == 1 and stats.malformed == 0
    (warning,) = stats.warnings
    assert warning.startswith(f"{path}:1: byte 0xe9 at column") and warning.endswith("read with it replaced")
