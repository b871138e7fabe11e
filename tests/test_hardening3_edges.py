"""Hardening III (issue 29), the edges: time travel reads the past whole, committed content
never stops a cron job, bad arguments are usage errors, nothing is unbounded or hangs.

Every test drives the real `orbit` command in a subprocess over real files and git history."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import commit_all as git_commit
from tests.conftest import orbit_executable, run_process, settings_toml, write_files

XK_SETTINGS = settings_toml(["KZ", "XK"], []) + '\n[countries]\nXK = "Kosovo"\n'
PLAIN_SETTINGS = settings_toml(["KZ"], [])
AID = '[[rules]]\nid = "aid"\ntitle = "Aid"\nwhen = "tag:aid"\nstance = "away"\nweight = 3\n'


# -- 1. time travel reads the past whole ------------------------------------------------------


@pytest.fixture
def kosovo(write_events: Callable[..., Path]) -> Path:
    """A commit whose orbit.toml declares XK (Kosovo) and an event there; the working tree has
    since dropped the declaration and the aid rule."""
    root = write_events(
        {
            "events/xk.toml": 'date = 2022-05-01\ntitle = "XK aid"\ncountries = ["XK"]\n'
            'tags = ["aid"]\n'
        },
        XK_SETTINGS + "\n" + AID,
    )
    git_commit(root, "Kosovo declared")
    write_files(root, {"orbit.toml": PLAIN_SETTINGS})
    return root


def test_known_at_takes_countries_and_names_from_the_commit_it_reads(kosovo: Path) -> None:
    listed = run_process("list", "--known-at", "HEAD", "country:XK", "--format", "ids", cwd=kosovo)
    assert (listed.returncode, listed.stderr) == (0, b"")
    assert listed.stdout == b"xk\n"
    shown = run_process("show", "xk", "--known-at", "HEAD", cwd=kosovo)
    assert (shown.returncode, shown.stderr) == (0, b"")
    assert b"countries  XK Kosovo" in shown.stdout
    scored = run_process("signals", "--known-at", "HEAD", cwd=kosovo)
    assert (scored.returncode, scored.stderr) == (0, b"")
    assert b"XK\tKosovo\t" in scored.stdout
    # The working tree, which no longer declares XK, still refuses the term.
    now = run_process("list", "country:XK", cwd=kosovo)
    assert now.returncode == 2
    assert b"orbit.toml does not declare" in now.stderr


def test_digest_known_at_takes_its_rules_from_the_commit_it_reads(kosovo: Path) -> None:
    result = run_process(
        "digest", "--dry-run", "--known-at", "HEAD", "--format", "json", cwd=kosovo
    )
    assert (result.returncode, result.stderr) == (0, b"")
    kinds = [(a["kind"], a["rule"], a["country"]) for a in json.loads(result.stdout)["alerts"]]
    assert ("signal", "aid", "XK") in kinds


def test_replay_reports_each_commits_silences_problems_naming_the_commit(
    write_events: Callable[..., Path],
) -> None:
    aid = 'date = 2022-05-01\ntitle = "KZ aid"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    root = write_events({"events/kz.toml": aid}, PLAIN_SETTINGS + "\n" + AID)
    bad = (
        '[[silence]]\nid = "s1"\nmatcher = "country:KZ"\nuntil = 2022-06-30\n'
        'reason = "r"\nby = "Ann"\ncolour = "red"\n'
    )
    write_files(root, {"silences.toml": bad})
    first = git_commit(root, "a silence with a stray key", "2022-05-02T12:00:00+00:00")
    write_files(root, {"silences.toml": bad.replace('colour = "red"\n', "")})
    git_commit(root, "the silence fixed", "2022-05-04T12:00:00+00:00")
    checked = run_process("check", cwd=root)
    assert checked.returncode == 0, checked.stderr
    write_files(root, {"silences.toml": bad})
    says = run_process("check", cwd=root).stderr.decode()
    assert says.startswith("silences.toml:7:1: error: ")
    (root / "silences.toml").unlink()
    result = run_process("alerts", "--replay", "2022-05-02..2022-05-05", cwd=root)
    assert result.returncode == 2
    assert result.stderr.decode() == f"{first[:10]}:{says}"


# -- 2. committed content never stops a cron job ---------------------------------------------

KZ_AID = 'date = 2022-05-10\ntitle = "KZ aid"\ncountries = ["KZ"]\ntags = ["aid"]\n'
EDGE_DAYS = {
    "0001-01-01": "events/edge.toml:1:1: error: 'date' 0001-01-01 is outside the days orbit "
    "works with (0100-01-01 to 9899-12-31)\n",
    "9999-12-31": "events/edge.toml:1:1: error: 'date' 9999-12-31 is outside the days orbit "
    "works with (0100-01-01 to 9899-12-31)\n",
}


@pytest.mark.parametrize("day", sorted(EDGE_DAYS))
@pytest.mark.parametrize(
    "command",
    [
        ("digest", "--state", "STATE", "--format", "json"),
        ("signals", "--monthly"),
        ("render", "--format", "ics"),
    ],
    ids=["digest", "signals-monthly", "render-ics"],
)
def test_an_event_at_the_calendars_edge_is_a_located_problem_and_the_rest_runs(
    write_events: Callable[..., Path], tmp_path: Path, day: str, command: tuple[str, ...]
) -> None:
    edge = f'date = {day}\ntitle = "Edge"\ncountries = ["KZ"]\ntags = ["aid"]\n'
    root = write_events({"events/kz.toml": KZ_AID, "events/edge.toml": edge}, PLAIN_SETTINGS + AID)
    state = tmp_path / "state.json"
    args = [str(state) if arg == "STATE" else arg for arg in command]
    result = run_process(*args, cwd=root)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().splitlines(keepends=True)[0] == EDGE_DAYS[day]
    assert b"KZ" in result.stdout or b"KZ aid" in result.stdout
    if command[0] == "digest":
        sent = json.loads(result.stdout)["alerts"]
        assert [a["subject"] for a in sent if a["kind"] == "signal"] == ["kz"]
        assert state.exists()
    checked = run_process("check", cwd=root)
    assert (checked.returncode, checked.stderr.decode()) == (1, EDGE_DAYS[day])


@pytest.mark.parametrize("edit", ["silence-add", "digest", "check"])
@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("9" * 5000, "silences.toml:7:5: error: invalid TOML: integer out of range"),
        ("0x" + "f" * 17, "silences.toml:7:5: error: invalid TOML: integer out of range"),
        ("[" * 1000 + "]" * 1000, "silences.toml:1:1: error: invalid TOML: nested too deeply"),
    ],
    ids=["huge-integer", "huge-hex", "nested-1000"],
)
def test_a_hostile_silences_file_is_a_located_problem_and_the_digest_runs(
    write_events: Callable[..., Path], tmp_path: Path, edit: str, value: str, where: str
) -> None:
    root = write_events({"events/kz.toml": KZ_AID}, PLAIN_SETTINGS + AID)
    data = (
        '[[silence]]\nid = "s1"\nmatcher = "country:KZ"\nuntil = 2022-06-30\n'
        f'reason = "r"\nby = "Ann"\nx = {value}\n'
    ).encode()
    (root / "silences.toml").write_bytes(data)
    state = tmp_path / "state.json"
    if edit == "silence-add":
        args: tuple[str, ...] = ("silence", "add", "country:KG", "--until", "2022-07-30")
        result = run_process(*args, "--reason", "r", "--by", "Ann", cwd=root)
        assert (result.returncode, result.stdout) == (2, b""), result.stderr
        assert result.stderr.decode() == (
            "orbit: error: silences.toml has problems; fix them first (orbit check lists them)"
            f"\n\n{where}\n"
        )
    elif edit == "digest":
        result = run_process("digest", "--state", str(state), "--format", "json", cwd=root)
        assert result.returncode == 2, result.stderr
        assert result.stderr.decode().splitlines()[0] == where
        assert [a["subject"] for a in json.loads(result.stdout)["alerts"]] == ["kz"]
    else:
        result = run_process("check", cwd=root)
        assert (result.returncode, result.stderr.decode()) == (1, where + "\n")
    assert (root / "silences.toml").read_bytes() == data


def test_a_huge_integer_in_an_event_is_a_located_problem(
    write_events: Callable[..., Path],
) -> None:
    big = KZ_AID + f'[signal]\nstance = "away"\nweight = {"9" * 5000}\n'
    root = write_events({"events/kz.toml": KZ_AID, "events/big.toml": big})
    for command, status in (("check", 1), ("list", 2)):
        result = run_process(command, cwd=root)
        assert result.returncode == status, result.stderr
        assert result.stderr.decode() == (
            "events/big.toml:7:10: error: invalid TOML: integer out of range\n"
        )


@pytest.fixture
def odd_history(write_events: Callable[..., Path]) -> tuple[Path, str, str]:
    """Three commits: a subject holding control bytes (the log's own marker among them), then
    one dated in year 10000 (git takes GIT_COMMITTER_DATE=@253402300800)."""
    root = write_events({"events/kz.toml": KZ_AID}, PLAIN_SETTINGS + AID)
    first = git_commit(root, "KZ aid \x01\x02 \x1f marked", "2022-05-02T12:00:00+00:00")
    write_files(root, {"events/kz.toml": KZ_AID + 'summary = "more"\n'})
    future = git_commit(root, "from the future", "@253402300800 +0000")
    return root, first, future


def test_a_subject_with_control_bytes_and_a_year_10000_commit_in_history(
    odd_history: tuple[Path, str, str],
) -> None:
    root, first, future = odd_history
    result = run_process("history", "kz", cwd=root)
    assert (result.returncode, result.stderr) == (0, b"")
    text = result.stdout.decode()
    assert f"\n2022-05-02  {first[:10]}  Ann  added\n" in text
    assert f"\n10000-01-01  {future[:10]}  Ann  modified\n" in text
    assert "\x01" not in text and "\x1f" not in text
    as_json = run_process("history", "kz", "--format", "json", cwd=root)
    assert as_json.returncode == 0, as_json.stderr
    revisions = json.loads(as_json.stdout)["revisions"]
    assert [r["day"] for r in revisions] == ["2022-05-02", "10000-01-01"]
    assert revisions[0]["subject"] == "KZ aid \x01\x02 \x1f marked"


def test_known_at_over_a_year_10000_commit(odd_history: tuple[Path, str, str]) -> None:
    root, first, future = odd_history
    on_day = run_process("list", "--known-at", "2022-05-20", "--format", "json", cwd=root)
    assert (on_day.returncode, on_day.stderr) == (0, b"")
    assert [e["summary"] for e in json.loads(on_day.stdout)["events"]] == [""]
    refused = run_process("list", "--known-at", "HEAD", cwd=root)
    assert (refused.returncode, refused.stdout) == (2, b"")
    assert refused.stderr.decode() == (
        f"orbit: error: --known-at HEAD: commit {future[:10]} is dated 10000-01-01, outside "
        "the days orbit works with (0100-01-01 to 9899-12-31)\n\n"
        "Give a date instead: the last commit on or before it is read.\n"
    )
    by_hash = run_process("list", "--known-at", first, "--format", "ids", cwd=root)
    assert (by_hash.returncode, by_hash.stdout) == (0, b"kz\n")


def test_replay_over_a_year_10000_commit(odd_history: tuple[Path, str, str]) -> None:
    root, first, future = odd_history
    bounded = run_process("alerts", "--replay", "2022-05-02..2022-05-12", cwd=root)
    assert (bounded.returncode, bounded.stderr) == (0, b"")
    assert bounded.stdout.decode().startswith(f"2022-05-10\t{first[:10]}\tsignal\tKZ\t")
    open_ended = run_process("alerts", "--replay", "2022-05-02..", cwd=root)
    assert (open_ended.returncode, open_ended.stdout) == (2, b"")
    assert open_ended.stderr.decode() == (
        f"orbit: error: --replay 2022-05-02..: the last commit ({future[:10]}) is dated "
        "10000-01-01, outside the days orbit works with (0100-01-01 to 9899-12-31)\n\n"
        "Give the period's last day: --replay SINCE..UNTIL\n"
    )


# -- 3. bad arguments are usage errors (2 and a message), never 70 -----------------------------


@pytest.fixture
def committed(write_events: Callable[..., Path]) -> Path:
    root = write_events({"events/kz.toml": KZ_AID}, PLAIN_SETTINGS + AID)
    git_commit(root, "KZ aid")
    return root


OUTSIDE = "is outside the days orbit works with (0100-01-01 to 9899-12-31)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("signals", "--known-at", "2022-02-30"),
            "--known-at 2022-02-30: '2022-02-30' is not a real date: Feb 2022 has 28 days; "
            "use an existing day in ISO form YYYY-MM-DD",
        ),
        (("signals", "--as-of", "0001-01-01"), f"--as-of: 0001-01-01 {OUTSIDE}"),
        (("signals", "--as-of", "9999-12-31"), f"--as-of: 9999-12-31 {OUTSIDE}"),
        (("digest", "--as-of", "9999-12-31"), f"--as-of: 9999-12-31 {OUTSIDE}"),
        (("list", "--known-at", "9999-12-31"), f"--known-at 9999-12-31: 9999-12-31 {OUTSIDE}"),
        (
            ("alerts", "--replay", "0001-01-01..9999-12-31"),
            f"--replay 0001-01-01..9999-12-31: 0001-01-01 {OUTSIDE}",
        ),
        (
            ("alerts", "--replay", "2022-05-01..9899-12-31"),
            "--replay 2022-05-01..9899-12-31 would step through 2,877,260 days from "
            "2022-05-01; a replay covers at most 36,600 days",
        ),
    ],
    ids=[
        "known-at-feb-30",
        "as-of-year-1",
        "as-of-year-9999",
        "digest-as-of-year-9999",
        "known-at-year-9999",
        "replay-whole-calendar",
        "replay-eight-millennia",
    ],
)
def test_dates_beyond_the_calendar_are_usage_errors(
    committed: Path, args: tuple[str, ...], message: str
) -> None:
    result = run_process(*args, cwd=committed)
    assert (result.returncode, result.stdout) == (2, b""), result.stderr
    assert result.stderr.decode().split("\n\n")[0].rstrip("\n") == f"orbit: error: {message}"


def test_a_query_term_that_is_not_utf8_is_a_usage_error(committed: Path) -> None:
    for env in ({**os.environ}, {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0"}):
        result = subprocess.run(
            [*orbit_executable(), "list", b"caf\xe9", b"tag:\xff"],
            cwd=committed,
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert (result.returncode, result.stdout) == (2, b""), result.stderr
        assert result.stderr == (
            b"orbit: error: query term 'caf\\xe9' is not valid UTF-8; write it in UTF-8\n"
        )


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_50000_character_query_word_is_a_usage_error(committed: Path, cache: str) -> None:
    env = {**os.environ, **({"ORBIT_NO_CACHE": "1"} if cache == "off" else {})}
    warm = run_process("list", cwd=committed, env=env)
    assert warm.returncode == 0, warm.stderr
    for word in ("w" * 50000, "tag:" + "a" * 50000, 'x"' + "%" * 50000):
        result = run_process("list", word, cwd=committed, env=env)
        assert (result.returncode, result.stdout) == (2, b""), result.stderr
        assert result.stderr.decode() == (
            f"orbit: error: query term '{word[:20]}...' is {len(word):,} characters long; "
            "a term holds at most 1,000\n"
        )
    again = run_process("list", "--format", "ids", cwd=committed, env=env)
    assert (again.returncode, again.stdout, again.stderr) == (0, b"kz\n", b"")


def test_a_csv_cell_over_128_kib_is_a_usage_error_and_nothing_is_written(
    committed: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "big.csv"
    sheet.write_text(
        "date,title,countries\n2022-05-01,short,KZ\n2022-05-02," + "x" * 140000 + ",KZ\n",
        encoding="utf-8",
    )
    result = run_process("import", str(sheet), cwd=committed)
    assert (result.returncode, result.stdout) == (2, b""), result.stderr
    assert result.stderr.decode() == (
        f"orbit: error: {sheet}: cannot read as csv: line 3: a cell is longer than 131,072 "
        "characters (128 KiB), the most a CSV cell may hold\n"
    )
    assert sorted(p.name for p in (committed / "events").iterdir()) == ["kz.toml"]


def read_pty(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Run orbit with stdout on a pseudo-terminal: (status, what the terminal got, stderr)."""
    import pty
    import select

    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(
            [*orbit_executable(), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=subprocess.PIPE,
        )
        os.close(slave)
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not chunk:
                break
            seen += chunk
        _, stderr = process.communicate(timeout=60)
    finally:
        os.close(master)
    return process.returncode, seen, stderr


@pytest.mark.parametrize(
    "command",
    [["show", "2022-05-16-csto-summit-moscow"], ["list"], ["signals"], ["timeline"]],
)
def test_a_huge_columns_value_is_clamped_on_a_terminal(example: Path, command: list[str]) -> None:
    env = {**os.environ, "COLUMNS": "99999999999", "LINES": "99999999999", "PAGER": "cat"}
    status, seen, stderr = read_pty(["--no-pager", *command], example, env)
    assert (status, stderr) == (0, b""), stderr
    assert b"KZ" in seen
    assert max(len(line) for line in seen.split(b"\r\n")) <= 1000 + 64  # styling bytes aside


# -- 4. nothing unbounded, nothing hangs -------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "kind"),
    [("/dev/zero", "a character device"), ("fifo", "a FIFO")],
)
def test_import_refuses_what_is_not_a_regular_file(
    committed: Path, tmp_path: Path, source: str, kind: str
) -> None:
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "rows.csv"
        os.mkfifo(path)
    result = run_process("import", str(path), "--format", "csv", cwd=committed, timeout=60)
    assert (result.returncode, result.stdout) == (2, b""), result.stderr
    assert result.stderr.decode().split("\n\n")[0] == (
        f"orbit: error: {path} is not a regular file ({kind}); nothing imported\n".rstrip("\n")
    )
    assert sorted(p.name for p in (committed / "events").iterdir()) == ["kz.toml"]


def test_import_from_standard_input_and_its_size_cap(committed: Path, tmp_path: Path) -> None:
    rows = b"date,title,countries\n2022-05-03,From stdin,KZ\n"
    dry = run_process(
        "import", "-", "--format", "csv", "--dry-run", cwd=committed, stdin=None, input=rows
    )
    assert (dry.returncode, dry.stderr) == (0, b""), dry.stderr
    assert dry.stdout.decode().startswith("would write events/")
    no_format = run_process("import", "-", cwd=committed, stdin=None, input=rows)
    assert no_format.returncode == 2
    assert b"cannot tell the format of -" in no_format.stderr
    big = rows + b"2022-05-04,padding,KZ\n" * (64 * 1024 * 1024 // 22 + 1)
    for args, data in ((("-",), big), ((str(tmp_path / "big.csv"),), b"")):
        if data == b"":
            (tmp_path / "big.csv").write_bytes(big)
        result = run_process(
            "import", *args, "--format", "csv", cwd=committed, stdin=None, input=data
        )
        assert (result.returncode, result.stdout) == (2, b""), result.stderr
        name = "standard input" if args == ("-",) else args[0]
        assert result.stderr.decode().split("\n\n")[0] == (
            f"orbit: error: {name} is larger than 64 MiB, the most orbit imports at once; "
            "nothing imported"
        )
    assert sorted(p.name for p in (committed / "events").iterdir()) == ["kz.toml"]


def test_the_delivery_timeout_default_is_the_one_the_help_gives() -> None:
    from orbitwatch.digest.delivery import DELIVER_TIMEOUT

    shown = run_process("digest", "--help", env={**os.environ, "COLUMNS": "200"})
    assert f"(default: {DELIVER_TIMEOUT:g} seconds)" in " ".join(shown.stdout.decode().split())


def sent_of(state: Path) -> dict[str, object]:
    sent: dict[str, object] = json.loads(state.read_text(encoding="utf-8"))["sent"]
    return sent


def test_a_delivery_command_that_hangs_is_stopped_at_the_timeout(
    committed: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    hung = run_process(
        "digest", "--state", str(state), "--deliver-cmd", "sleep 120", "--deliver-timeout", "1",
        cwd=committed, timeout=100,
    )  # fmt: skip
    assert (hung.returncode, hung.stdout) == (74, b""), hung.stderr
    assert hung.stderr.decode() == (
        "orbit: error: --deliver-cmd 'sleep 120' did not finish within 1 s and was stopped; "
        "the alerts stay unsent and come again next run\n"
    )
    assert sent_of(state) == {}
    mail = tmp_path / "mail.txt"
    again = run_process(
        "digest", "--state", str(state), "--deliver-cmd", f"tee {mail}", cwd=committed
    )
    assert (again.returncode, again.stdout) == (0, b""), again.stderr  # the lock was let go
    assert "KZ aid" in mail.read_text(encoding="utf-8")
    assert len(sent_of(state)) == 1


@pytest.mark.parametrize("reads", ["head -c 10", "true"])
def test_a_delivery_command_that_reads_only_part_of_the_digest_failed(
    committed: Path, tmp_path: Path, reads: str
) -> None:
    state = tmp_path / "state.json"
    result = run_process("digest", "--state", str(state), "--deliver-cmd", reads, cwd=committed)
    assert (result.returncode, result.stdout) == (74, b""), result.stderr
    message = result.stderr.decode()
    assert message.startswith(f"orbit: error: --deliver-cmd '{reads}' exited 0 but left ")
    assert message.endswith(
        " of the digest unread; the alerts stay unsent and come again next run\n"
    )
    assert sent_of(state) == {}
