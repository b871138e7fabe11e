"""Hardening II (issue 17): nothing written outside the timeline, no traceback on any stream,
the right exit status for every failure, strict state and import input, invisible characters.

Real files, real symbolic links, real pipes and real `orbit` processes wherever only a real
process shows the behaviour (closed descriptors, /dev/full, SIGPIPE).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from orbitwatch.timeline.load import load_timeline
from tests.conftest import (
    DIGEST_EVENTS,
    DIGEST_SETTINGS,
    cron_env,
    run,
    run_process,
)

GOOD = 'date = 2022-05-16\ntitle = "ok"\ncountries = ["KZ"]\n'


def no_traceback(stderr: bytes | str) -> bool:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return "Traceback" not in text and "internal error" not in text


# -- writes stay inside their folder ------------------------------------------------------


@pytest.fixture
def planted(tmp_path: Path, write_events: Callable[..., Path]) -> tuple[Path, Path]:
    """A timeline whose events/2023 (and events/2022) are symbolic links to a folder outside."""
    root = write_events({"events/a.toml": GOOD})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for year in ("2022", "2023"):
        (root / "events" / year).symlink_to(outside, target_is_directory=True)
    return root, outside


def assert_refused(result_code: int, stderr: str, link: Path, outside: Path) -> None:
    assert result_code == 2, stderr
    assert str(link) in stderr and "symbolic link" in stderr
    assert no_traceback(stderr)
    assert list(outside.iterdir()) == []


def test_import_by_id_never_writes_through_a_planted_folder_link(
    tmp_path: Path, planted: tuple[Path, Path]
) -> None:
    root, outside = planted
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps([{"id": "x", "date": "2023-01-05", "title": "X", "countries": ["KZ"]}]),
        encoding="utf-8",
    )
    result = run("import", str(source), root=root)
    assert_refused(result.exit_code, result.stderr, root / "events" / "2023", outside)


def test_import_by_title_never_writes_through_a_planted_folder_link(
    tmp_path: Path, planted: tuple[Path, Path]
) -> None:
    root, outside = planted
    source = tmp_path / "in.csv"
    source.write_text("date,title,countries\n2023-01-05,Some title,KZ\n", encoding="utf-8")
    result = run("import", str(source), root=root)
    assert_refused(result.exit_code, result.stderr, root / "events" / "2023", outside)


def test_add_never_writes_through_a_planted_folder_link_even_under_python_O(
    tmp_path: Path, planted: tuple[Path, Path]
) -> None:
    root, outside = planted
    args = ["--root", str(root), "add", "--date", "2023-02-01", "--title", "T", "--country", "KZ"]
    for env in (cron_env(tmp_path), cron_env(tmp_path, PYTHONOPTIMIZE="1")):
        result = run_process(*args, env=env)
        stderr = result.stderr.decode()
        assert_refused(result.returncode, stderr, root / "events" / "2023", outside)


def test_a_planted_events_folder_link_is_refused_too(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = tmp_path / "clone"
    root.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "events").symlink_to(outside, target_is_directory=True)
    result = run("add", "--date", "2023-02-01", "--title", "T", "--country", "KZ", root=root)
    assert_refused(result.exit_code, result.stderr, root / "events", outside)


def test_render_output_never_goes_through_a_planted_folder_link(
    tmp_path: Path, planted: tuple[Path, Path]
) -> None:
    root, outside = planted
    # a relative -o stays under the working folder: events/2023 is a link, so it is refused
    result = run_process(
        "render", "--format", "md", "-o", "events/2023/page.md", cwd=root, env=cron_env(tmp_path)
    )
    assert_refused(result.returncode, result.stderr.decode(), Path("events/2023"), outside)


def test_digest_state_never_goes_through_a_planted_folder_link(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "state").symlink_to(outside, target_is_directory=True)
    result = run_process("digest", "--state", "state/digest.json", cwd=root, env=cron_env(tmp_path))
    assert_refused(result.returncode, result.stderr.decode(), Path("state"), outside)
    assert result.stdout == b""  # refused before anything was delivered


def test_silences_file_that_is_a_link_is_never_written_through(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victim = outside / "victim.toml"
    victim.write_text("# mine\n", encoding="utf-8")
    (root / "silences.toml").symlink_to(victim)
    fingerprint = json.loads(run("alerts", "--format", "json", root=root).stdout)["alerts"][0][
        "fingerprint"
    ]
    for args in (
        ["silence", "add", "country:KZ", "--until", "30d", "--reason", "r", "--by", "me"],
        ["ack", fingerprint, "--reason", "r", "--by", "me"],
    ):
        result = run(*args, root=root)
        assert result.exit_code == 2, result.stderr
        assert str(root / "silences.toml") in result.stderr and "symbolic link" in result.stderr
        assert victim.read_text(encoding="utf-8") == "# mine\n"
        assert (root / "silences.toml").is_symlink()


WRITERS: dict[str, Callable[[Path, Path], list[str]]] = {
    "add": lambda root, tmp: ["add", "--date", "2023-03-01", "--title", "A", "--country", "KZ"],
    "import-json": lambda root, tmp: ["import", str(tmp / "in.json")],
    "import-csv": lambda root, tmp: ["import", str(tmp / "in.csv")],
    "render-o": lambda root, tmp: ["render", "--format", "json", "-o", "events/2023/x.json"],
    "digest": lambda root, tmp: ["digest", "--state", "events/2023/state.json"],
    "silence": lambda root, tmp: [
        "silence",
        "add",
        "country:KZ",
        "--until",
        "3d",
        "--reason",
        "r",
        "--by",
        "m",
    ],
    "init": lambda root, tmp: ["init", "events/2023/new"],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_folder_link_planted_before_each_writing_command(
    tmp_path: Path, write_events: Callable[..., Path], command: str
) -> None:
    """Every writing command, with events/2023 a link to a folder outside the timeline: the
    outside folder stays empty and nothing reaches it, whatever the command."""
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "events" / "2023").symlink_to(outside, target_is_directory=True)
    (tmp_path / "in.json").write_text(
        '[{"id": "x", "date": "2023-01-05", "title": "X", "countries": ["KZ"]}]', encoding="utf-8"
    )
    (tmp_path / "in.csv").write_text("date,title,countries\n2023-01-06,Y,KZ\n", encoding="utf-8")
    args = WRITERS[command](root, tmp_path)
    result = run_process("--root", str(root), *args, cwd=root, env=cron_env(tmp_path))
    stderr = result.stderr.decode()
    assert no_traceback(stderr)
    assert list(outside.iterdir()) == [], stderr
    if command in ("add", "import-json", "import-csv", "render-o", "digest", "init"):
        assert result.returncode == 2 and "symbolic link" in stderr, stderr
    else:  # silences.toml sits at the root: the planted link is not on its way
        assert result.returncode == 0, stderr


# -- render -o onto special files ---------------------------------------------------------


def test_render_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("render", "--format", "json", "-o", str(fifo), root=root)
    reader.join(timeout=20)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(b"".join(received))["events"][0]["title"] == "ok"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_render_to_a_link_to_proc_self_fd_1_writes_to_stdout(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    result = run_process(
        "--root", str(root), "render", "--format", "json", "-o", str(link), env=cron_env(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["events"][0]["title"] == "ok"
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_render_to_dev_full_is_output_failed_and_leaves_the_device(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    # through a link of our own, so that a regression replaces the link, never the device
    link = tmp_path / "full"
    link.symlink_to("/dev/full")
    result = run("render", "--format", "json", "-o", str(link), root=root)
    assert result.exit_code == 74, result.stderr
    assert "No space left on device" in result.stderr
    assert link.is_symlink()


def test_render_refuses_a_link_to_a_regular_file(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    link = tmp_path / "out.json"
    link.symlink_to(victim)
    result = run("render", "--format", "json", "-o", str(link), root=root)
    assert result.exit_code == 2
    assert str(link) in result.stderr and "symbolic link" in result.stderr
    assert victim.read_text(encoding="utf-8") == "mine" and link.is_symlink()


# -- full disk: output failed (74) --------------------------------------------------------


def test_full_disk_is_74_for_render_o_import_and_add(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    source = tmp_path / "in.csv"
    source.write_text("date,title,countries\n2022-05-01,One,KZ\n", encoding="utf-8")
    full = {"ORBIT_FAULT_IO": "write:1:always:ENOSPC"}
    for args in (
        ["render", "--format", "html", "-o", str(tmp_path / "page.html")],
        ["import", str(source)],
        ["add", "--date", "2022-05-20", "--title", "New", "--country", "KG"],
    ):
        result = run(*args, root=root, env=full)
        assert result.exit_code == 74, (args, result.stderr)
        assert "No space left on device" in result.stderr
    assert len(load_timeline(root, use_cache=False).events) == 1


# -- no traceback on any stream ------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_onto_a_full_device(tmp_path: Path, flag: str) -> None:
    with open("/dev/full", "wb") as full:
        result = run_process(flag, env=cron_env(tmp_path), stdout=full)
    assert result.returncode == 74
    assert result.stderr == b"orbit: error: cannot write output: No space left on device\n"


def broken_pipe() -> tuple[int, int]:
    """A pipe whose reading end is already closed: every write to it fails with EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return read_end, write_end


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--format", "table"],
        ["signals"],
        ["alerts"],
        ["show", "kz-aid"],
        ["--help"],
        ["timeline"],
        ["list"],
    ],
)
def test_a_broken_pipe_is_74_for_rich_drawn_output_too(
    tmp_path: Path, write_events: Callable[..., Path], args: list[str]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    _, write_end = broken_pipe()
    try:
        result = run_process(
            "--root", str(root), *args, env=cron_env(tmp_path, COLUMNS="80"), stdout=write_end
        )
    finally:
        os.close(write_end)
    assert result.returncode == 74, result.stderr
    assert result.stderr == b""
    with open("/dev/full", "wb") as full:  # and when stderr cannot be written either
        _, write_end = broken_pipe()
        try:
            result = run_process(
                "--root", str(root), *args, env=cron_env(tmp_path), stdout=write_end, stderr=full
            )
        finally:
            os.close(write_end)
    assert result.returncode == 74


def closed_fd_run(
    tmp_path: Path, root: Path, args: list[str], close: int
) -> subprocess.CompletedProcess[bytes]:
    """orbit with its stdout (1) or stderr (2) closed, as `>&-` and `2>&-` leave it."""
    return run_process(
        "--root",
        str(root),
        *args,
        env=cron_env(tmp_path),
        stdout=subprocess.PIPE if close != 1 else None,
        stderr=subprocess.PIPE if close != 2 else None,
        pass_fds=(),
        preexec_fn=lambda: os.close(close),
    )


def test_stdout_closed_is_output_failed_and_the_digest_state_stays(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    for args in (["list"], ["render", "--format", "json"], ["digest", "--state", str(state)]):
        result = closed_fd_run(tmp_path, root, args, close=1)
        assert result.returncode == 74, (args, result.stderr)
        assert result.stderr.startswith(b"orbit: error: cannot write"), result.stderr
        assert no_traceback(result.stderr)
    assert not state.exists() or json.loads(state.read_text("utf-8"))["sent"] == {}


def test_stderr_closed_keeps_the_commands_status(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    assert closed_fd_run(tmp_path, root, ["show", "nope"], close=2).returncode == 2
    assert closed_fd_run(tmp_path, root, ["list"], close=2).returncode == 0
    with open("/dev/full", "wb") as full:
        result = run_process("--root", str(root), "show", "nope", stderr=full)
    assert result.returncode == 2


def test_mail_to_with_a_line_break_is_a_usage_error(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    result = run(
        "digest",
        "--dry-run",
        "--format",
        "email",
        "--mail-to",
        "desk@example.org\nBcc: spy@example.org",
        root=root,
    )
    assert result.exit_code == 2
    assert "--mail-to" in result.stderr and "line break" in result.stderr
    assert result.stdout == ""


# -- the digest state: strict, and never a 70 ----------------------------------------------


def state_document(**overrides: object) -> dict[str, object]:
    document: dict[str, object] = {
        "format": "orbitwatch-digest-state",
        "version": 1,
        "last_run": None,
        "pending": None,
        "sent": {},
    }
    document.update(overrides)
    return document


BAD_STATES = {
    "nested": b'{"format": "orbitwatch-digest-state", "version": 1, "x": '
    + b"[" * 200_000
    + b"]" * 200_000
    + b"}",
    "huge-version": b'{"format": "orbitwatch-digest-state", "version": 1' + b"0" * 5000 + b"}",
    "lone-surrogate-key": json.dumps(
        state_document(sent={"\ud800abc": {"first_sent": "2022-05-01T00:00:00+00:00"}})
    ).encode(),
    "version-true": json.dumps(state_document(version=True)).encode(),
    "version-float": json.dumps(state_document(version=1.0)).encode(),
    "nan": json.dumps(state_document(last_run=float("nan"))).encode(),
    "infinity": b'{"format": "orbitwatch-digest-state", "version": 1, "last_run": Infinity,'
    b' "pending": null, "sent": {}}',
    "unknown-key": json.dumps(state_document(extra={"kept": "?"})).encode(),
    "unknown-sent-key": json.dumps(
        state_document(sent={"f": {"first_sent": "2022-05-01T00:00:00+00:00", "x": 1}})
    ).encode(),
    "unknown-suppressed-key": json.dumps(
        state_document(
            suppressed={"f": {"first_suppressed": "2022", "cause": "silenced", "x": "y"}}
        )
    ).encode(),
    "last-run-number": json.dumps(state_document(last_run=5)).encode(),
}


@pytest.mark.parametrize("case", sorted(BAD_STATES))
def test_an_untrusted_state_file_is_78_and_left_untouched(
    tmp_path: Path, write_events: Callable[..., Path], case: str
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    state.write_bytes(BAD_STATES[case])
    result = run_process(
        "--root", str(root), "digest", "--state", str(state), env=cron_env(tmp_path)
    )
    assert result.returncode == 78, result.stderr
    assert result.stdout == b"" and no_traceback(result.stderr)
    assert result.stderr.startswith(f"orbit: error: state file {state} is unusable".encode())
    assert state.read_bytes() == BAD_STATES[case]


def test_the_suppressed_table_is_part_of_the_schema(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    record = {"first_suppressed": "2022-05-30T00:00:00+00:00", "cause": "silenced", "silence": "s"}
    state.write_text(json.dumps(state_document(suppressed={"abc": record})), encoding="utf-8")
    result = run("digest", "--state", str(state), "--format", "json", root=root)
    assert result.exit_code == 0, result.stderr
    assert json.loads(state.read_text("utf-8"))["suppressed"] == {"abc": record}


def test_stale_temporaries_beside_the_state_are_removed_or_reported(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)
    state = tmp_path / "st" / "digest.json"
    state.parent.mkdir()
    child = subprocess.Popen(["true"])
    child.wait()
    dead = state.parent / f".digest.json.{child.pid}.tmp"
    dead_prev = state.parent / f".digest.json.prev.{child.pid}.tmp"
    running = subprocess.Popen(["sleep", "60"])
    alive = state.parent / f".digest.json.{running.pid}.tmp"
    try:
        for leftover in (dead, dead_prev, alive):
            leftover.write_text("{half", encoding="utf-8")
        result = run("digest", "--state", str(state), "--format", "json", root=root)
    finally:
        running.kill()
        running.wait()
    assert result.exit_code == 0, result.stderr
    assert not dead.exists() and not dead_prev.exists()
    assert alive.exists()
    assert f"{alive}:1:1: warning: leftover temporary file of process {running.pid}" in (
        result.stderr
    )


# -- import strictness -----------------------------------------------------------------------


def import_result(tmp_path: Path, root: Path, text: str, suffix: str = ".json") -> tuple[int, str]:
    source = tmp_path / f"in{suffix}"
    source.write_text(text, encoding="utf-8")
    result = run("import", str(source), root=root)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("row", "column", "token"),
    [
        ('{"date": "2022-05-01", "title": NaN, "countries": ["KZ"]}', "title", "NaN"),
        ('{"date": "2022-05-01", "title": "t", "countries": ["KZ"], "weight": Infinity}', "weight",
         "Infinity"),
        ('{"date": "2022-05-01", "title": "t", "countries": ["KZ"], "x": [-Infinity]}', "x",
         "-Infinity"),
        ('{"date": "2022-05-01", "title": "t", "countries": ["KZ"], "weight": 1e999}', "weight",
         "1e999"),
    ],
)  # fmt: skip
def test_import_refuses_non_finite_numbers_naming_row_and_column(
    tmp_path: Path, write_events: Callable[..., Path], row: str, column: str, token: str
) -> None:
    root = write_events({"events/a.toml": GOOD})
    code, stderr = import_result(tmp_path, root, f"[{row}]")
    assert code == 2
    assert f"row 1: {column}: {token} is not a number JSON allows" in stderr, stderr
    assert len(load_timeline(root, use_cache=False).events) == 1


def test_import_refuses_sources_that_are_not_a_list_of_tables(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    rows = [
        {"date": "2022-05-01", "title": "t", "countries": ["KZ"], "sources": "x"},
        {"date": "2022-05-02", "title": "u", "countries": ["KZ"], "sources": ["x"]},
    ]
    code, stderr = import_result(tmp_path, root, json.dumps(rows))
    assert code == 2
    # Both rows are refused, with one message for the column.
    assert "sources: refused in all 2 rows: expected a list of tables" in stderr, stderr
    assert "row 1" not in stderr and "row 2" not in stderr


def test_import_of_deeply_nested_json_is_2_not_70(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run_process("--root", str(root), "import", str(source), env=cron_env(tmp_path))
    assert result.returncode == 2, result.stderr
    assert b"nested too deeply" in result.stderr and no_traceback(result.stderr)


# -- invisible characters ------------------------------------------------------------------

INVISIBLE = ["\U000e0041", "\U000e007f", "\u00ad", "\u180e", "\u034f", "\u115f", "\u3164",
             "\ufff0", "\U0001d173", "\U000e0100"]  # fmt: skip


@pytest.mark.parametrize("char", INVISIBLE)
def test_check_refuses_invisible_characters_in_event_text(
    write_events: Callable[..., Path], char: str
) -> None:
    root = write_events({"events/a.toml": f'date = 2022-05-16\ntitle = "a{char}b"\n'})
    result = run("check", root=root)
    assert result.exit_code == 1
    assert f"an invisible character U+{ord(char):04X}; remove it" in result.stderr


def test_every_renderer_escapes_invisible_characters(write_events: Callable[..., Path]) -> None:
    from orbitwatch.render.exports import RenderInput
    from orbitwatch.render.registry import builtin

    root = write_events({"events/a.toml": GOOD})
    timeline = load_timeline(root, use_cache=False)
    hidden = "".join(INVISIBLE) + "\u200b\ufe0f\u180b"
    event = dataclasses.replace(timeline.events[0], title=f"t{hidden}", summary=f"s{hidden}")
    data = RenderInput([event], {}, timeline.settings, dt.date(2022, 5, 31))
    for name, renderer in builtin().items():
        out = "".join(renderer(data))
        assert not any(ch in out for ch in hidden), name
    from orbitwatch.render.text import json_safe, visible

    assert visible("\U000e0041") == "\\U000e0041"
    assert json.loads(json_safe(json.dumps("\U000e0041", ensure_ascii=False))) == "\U000e0041"


# -- a character cut from a path -----------------------------------------------------------


def test_diff_against_the_file_system_root_names_events_whole(
    tmp_path: Path, write_events: Callable[..., Path]
) -> None:
    root = write_events({"events/a.toml": GOOD})
    result = run_process("--root", str(root), "diff", "/", cwd=tmp_path, env=cron_env(tmp_path))
    assert b"/events:1:1: error: cannot read folder" in result.stderr, result.stderr
    assert b"/vents" not in result.stderr
