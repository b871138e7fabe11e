"""Silences, acknowledgements and inhibition: silences.toml, `orbit silence`, `orbit ack`, and
what the digest does with them across a silence's lifetime (real files, locks and state)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from orbitwatch.model.alert import Alert
from orbitwatch.model.errors import UsageError
from orbitwatch.query.alerts import parse_matcher
from tests.conftest import (
    DIGEST_EVENTS,
    DIGEST_SETTINGS,
    rule_toml,
    run,
    run_process,
    settings_toml,
)

ALERT = Alert(
    "level-up", "KG", "watch", "2022-05-12-kg-aid", dt.date(2022, 5, 12), "watch", "", ("x",)
)


@pytest.mark.parametrize(
    ("matcher", "matches"),
    [
        ("country:KG", True),
        ("country:kgz", True),
        ("country:KZ", False),
        ("kind:level-up,signal", True),
        ("not:kind:level-up", False),
        ("rule:wat*", True),
        ("event:2022-05-*", True),
        ("event:2022-06-*", False),
        ("level:watch", True),
        ("date:2022-05", True),
        ("date:2022-05-13..", False),
        (f"fingerprint:{ALERT.fingerprint[:8]}", True),
        ("country:KG kind:signal", False),
    ],
)
def test_matcher_table(matcher: str, matches: bool) -> None:
    assert parse_matcher(matcher).matches(ALERT) is matches


@pytest.mark.parametrize(
    ("matcher", "message"),
    [
        ("contry:KG", "unknown alert field 'contry' in 'contry:KG' (did you mean 'country'?)"),
        (
            "kind:levelup",
            "unknown alert kind 'levelup' in 'kind:levelup' (did you mean 'level-up'?)",
        ),
        ("KG", "'KG' is not a field term; a matcher names alert fields, e.g. country:KG"),
        ("", "empty matcher: it would match every alert; name at least one field, e.g. country:KG"),
        (
            "date:30d",
            "relative date in 'date:30d': a silence must mean the same every day; "
            "write ISO dates, e.g. date:2022-05",
        ),
    ],
)
def test_bad_matchers_are_refused(matcher: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_matcher(matcher)
    assert caught.value.message == message


def silences(root: Path, body: str) -> Path:
    path = root / "silences.toml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def test_check_reports_silence_problems_with_file_and_line(
    write_events: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    silences(
        root,
        """
        [[silence]]
        id = "s-1"
        matcher = "country:KG kind:levl-up"
        until = 2022-06-30
        reason = "KG desk"
        by = "Ana"

        [[silence]]
        id = "s-2"
        matcher = "country:KZ"
        until = 2022-05-01
        reason = "old"
        by = "Ana"
        reasn = "typo"

        [[silence]]
        id = "s-3"
        matcher = "country:KZ"
        reason = "no expiry"
        by = "Ana"
        """,
    )
    monkeypatch.chdir(root)
    result = run("check")
    assert result.exit_code == 1
    assert result.stderr == (
        "silences.toml:3:1: error: silence 's-1': bad matcher: unknown alert kind 'levl-up' in "
        "'kind:levl-up' (did you mean 'level-up'?)\n"
        "silences.toml:14:1: error: unknown key 'reasn' in [[silence]] (did you mean 'reason'?)\n"
        "silences.toml:16:1: error: silence 's-3' needs 'until': only an acknowledgement "
        '(matcher = "fingerprint:...") may have no expiry\n'
    )
    silences(
        root,
        """
        [[silence]]
        id = "s-2"
        matcher = "country:KZ"
        until = 2022-05-01
        reason = "old"
        by = "Ana"
        """,
    )
    result = run("check")
    assert result.exit_code == 0
    assert result.stderr == (
        "silences.toml:4:1: warning: silence 's-2' expired on 2022-05-01; it no longer silences "
        "anything (remove it when the team no longer needs the record)\n"
        "2 events, no problems (1 warning)\n"
    )


def digest(root: Path, state: Path, day: str, *extra: str) -> dict[str, object]:
    result = run(
        "digest",
        "--state",
        str(state),
        "--format",
        "json",
        *extra,
        root=root,
        env={"ORBIT_TODAY": day},
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if result.stdout else {}


def in_force(root: Path, day: str) -> list[dict[str, object]]:
    result = run("alerts", "--format", "json", root=root, env={"ORBIT_TODAY": day})
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout)["alerts"])


def add_event(root: Path, name: str, date: str, country: str) -> None:
    (root / "events" / f"{name}.toml").write_text(
        f'date = {date}\ntitle = "{name}"\ncountries = ["{country}"]\ntags = ["aid"]\n',
        encoding="utf-8",
    )


def test_cron_across_a_silence_lifetime_delivers_once_or_records_suppressed(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events({}, DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    delivered: list[str] = []

    def cron(day: str) -> None:
        document = digest(root, state, day)
        delivered.extend(str(a["fingerprint"]) for a in document.get("alerts", []))

    add_event(root, "kz-aid", "2022-05-10", "KZ")
    cron("2022-05-15")  # before the silence
    added = run(
        "silence",
        "add",
        "country:KG",
        "--until",
        "5d",
        "--reason",
        "KG desk on it",
        "--by",
        "Ana",
        root=root,
        env={"ORBIT_TODAY": "2022-05-16"},
    )
    assert added.exit_code == 0, added.stderr
    silence_id = added.stdout.strip()
    assert added.stderr == (
        "orbit: silenced 'country:KG' until 2022-05-21 (commit silences.toml to share it)\n"
    )
    add_event(root, "kg-aid", "2022-05-12", "KG")
    cron("2022-05-16")  # during: everything new is KG, so nothing is sent
    add_event(root, "kg-more", "2022-05-17", "KG")
    add_event(root, "kz-more", "2022-05-17", "KZ")
    cron("2022-05-18")  # during: KZ delivered, KG suppressed
    cron("2022-05-20")  # during, nothing new
    add_event(root, "kg-late", "2022-05-20", "KG")
    cron("2022-05-21")  # expired on its until day: KG alerts raised now are delivered
    cron("2022-05-22")

    saved = json.loads(state.read_text())
    suppressed = saved["suppressed"]
    fingerprints = {str(a["fingerprint"]): a for a in in_force(root, "2022-05-22")}
    assert len(delivered) == len(set(delivered))  # never twice
    for fingerprint, alert in fingerprints.items():
        assert (fingerprint in delivered) != (fingerprint in suppressed), alert  # never both
        assert (fingerprint in delivered) == (fingerprint in saved["sent"])
        if fingerprint in suppressed:
            assert suppressed[fingerprint]["silence"] == silence_id
            assert alert["country"] == "KG" and alert["subject"] != "kg-late"
    kg_suppressed = {a["subject"] for fp, a in fingerprints.items() if fp in suppressed}
    assert kg_suppressed == {"kg-aid", "kg-more"}
    late = [a for a in fingerprints.values() if a["subject"] == "kg-late"]
    assert late and all(str(a["fingerprint"]) in delivered for a in late)

    listed = run(
        "alerts",
        "--suppressed",
        "--state",
        str(state),
        "--format",
        "plain",
        root=root,
        env={"ORBIT_TODAY": "2022-05-22"},
    )
    assert listed.exit_code == 0
    assert listed.stdout.count(f"silence {silence_id}: KG desk on it") == len(suppressed)

    resent = digest(root, state, "2022-05-23", "--resend-suppressed")
    assert {str(a["fingerprint"]) for a in resent["alerts"]} == set(suppressed)
    assert json.loads(state.read_text()).get("suppressed", {}) == {}
    assert digest(root, state, "2022-05-24", "--resend-suppressed") == {}


def test_a_same_day_multi_level_crossing_delivers_the_highest_only(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    settings = settings_toml(
        ["KZ"],
        [rule_toml("aid", "Aid", "tag:aid", "away", 5)],
        levels={"watch": 2.0, "warning": 4.0, "alarm": 6.0},
    )
    root = write_events({}, settings)
    add_event(root, "kz-a", "2022-05-10", "KZ")
    add_event(root, "kz-b", "2022-05-10", "KZ")
    state = tmp_path / "state.json"
    document = digest(root, state, "2022-05-31")
    level_ups = [a for a in document["alerts"] if a["kind"] == "level-up"]  # type: ignore[union-attr]
    assert [a["rule"] for a in level_ups] == ["alarm"]
    held = document["suppressed"]
    assert (held["silenced"], held["inhibited"]) == (0, 2)  # type: ignore[index]
    assert {a["inhibited_by"] for a in held["alerts"]} == {level_ups[0]["fingerprint"]}  # type: ignore[index]
    text = run("digest", "--as-of", "2022-05-31", root=root).stdout
    assert text.endswith("0 silenced, 2 inhibited (held back, not delivered)\n")
    recorded = json.loads(state.read_text())["suppressed"]
    assert {r["cause"] for r in recorded.values()} == {"inhibited"}
    assert digest(root, state, "2022-06-01") == {}  # not re-sent

    (root / "orbit.toml").write_text("inhibit = []\n" + settings, encoding="utf-8")
    document = digest(root, tmp_path / "other.json", "2022-05-31")
    assert [a["rule"] for a in document["alerts"] if a["kind"] == "level-up"] == [  # type: ignore[union-attr]
        "alarm",
        "warning",
        "watch",
    ]


def test_inhibit_tables_are_validated(write_events: Callable[..., Path]) -> None:
    settings = DIGEST_SETTINGS + '\n[[inhibit]]\nsource = "kind:level-up"\ntarget = "contry:KZ"\n'
    root = write_events(DIGEST_EVENTS, settings)
    result = run("check", root=root)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith(
        "orbit.toml:19:1: error: [[inhibit]] target: unknown alert field 'contry' in "
        "'contry:KZ' (did you mean 'country'?)"
    )


def test_ack_marks_the_alert_and_the_digest_holds_it_back(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    alerts = in_force(root, "2022-05-31")
    kg = next(a for a in alerts if a["country"] == "KG")
    short = str(kg["fingerprint"])[3:11]
    result = run("ack", short, "--reason", "followed by the KG desk", "--by", "Ana", root=root)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"ack-{short}\n"
    text = (root / "silences.toml").read_text()
    assert f'matcher = "fingerprint:{kg["fingerprint"]}"' in text and "\nuntil" not in text
    again = run("ack", short, "--reason", "again", "--by", "Ana", root=root)
    assert again.exit_code == 2
    marked = {a["fingerprint"]: a for a in in_force(root, "2022-05-31")}
    assert marked[kg["fingerprint"]]["acknowledged"] is True
    assert sum(bool(a["acknowledged"]) for a in marked.values()) == 1
    plain = run("alerts", "--format", "plain", root=root).stdout
    assert f"acknowledged by Ana (ack-{short}: followed by the KG desk); " in plain
    document = digest(root, tmp_path / "state.json", "2022-05-31")
    assert kg["fingerprint"] not in {a["fingerprint"] for a in document["alerts"]}  # type: ignore[union-attr]
    assert document["suppressed"]["silenced"] == 1  # type: ignore[index]
    listed = json.loads(run("silence", "list", "--format", "json", root=root).stdout)
    assert [(s["id"], s["status"], s["suppresses"]) for s in listed["silences"]] == [
        (f"ack-{short}", "ack", [kg["fingerprint"]])
    ]
    assert run("ack", "ffffffff", "--reason", "x", "--by", "A", root=root).exit_code == 2


def test_silence_add_list_expire_keep_the_file_whole(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    path = silences(root, "# the team's silences\n")
    first = run(
        "silence",
        "add",
        "country:KZ",
        "--until",
        "2022-06-30",
        "--reason",
        "known",
        "--by",
        "Ana",
        root=root,
    )
    assert first.exit_code == 0, first.stderr
    sid = first.stdout.strip()
    text = path.read_text()
    assert text.startswith("# the team's silences\n")
    assert f'id = "{sid}"\nmatcher = "country:KZ"\nuntil = 2022-06-30\n' in text
    listed = run("silence", "list", "--format", "plain", root=root)
    assert listed.stdout.startswith(f"{sid}\tactive\t2022-06-30\tcountry:KZ\tAna\tknown\t")
    failed = run(
        "silence",
        "add",
        "country:KG",
        "--until",
        "3d",
        "--reason",
        "r",
        "--by",
        "B",
        root=root,
        env={"ORBIT_FAULT_IO": "rename:1"},
    )
    assert failed.exit_code == 74  # the injected EIO: the disk failed, output failed
    assert path.read_text() == text  # never half-written
    assert sorted(p.name for p in root.iterdir()) == ["events", "orbit.toml", "silences.toml"]
    bad = run(
        "silence", "add", "contry:KG", "--until", "3d", "--reason", "r", "--by", "B", root=root
    )
    assert (bad.exit_code, path.read_text()) == (2, text)
    past = run(
        "silence",
        "add",
        "country:KG",
        "--until",
        "2022-05-01",
        "--reason",
        "r",
        "--by",
        "B",
        root=root,
    )
    assert past.stderr == "orbit: error: --until '2022-05-01' is not after today (2022-05-31)\n"
    expired = run("silence", "expire", sid, root=root)
    assert expired.exit_code == 0
    assert "until = 2022-05-31\n" in path.read_text()
    listed = run("silence", "list", "--format", "plain", root=root)
    assert listed.stdout.startswith(f"{sid}\texpired\t2022-05-31\t")
    assert run("silence", "expire", sid, root=root).exit_code == 2
    unknown = run("silence", "expire", sid[:-1] + "x", root=root)
    assert f"(did you mean '{sid}'?)" in unknown.stderr


def test_by_comes_from_git_config(write_events: Callable[..., Path]) -> None:
    import subprocess

    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.name", "Bo Analyst"], check=True)
    result = run("silence", "add", "kind:upcoming", "--until", "1w", "--reason", "r", root=root)
    assert result.exit_code == 0, result.stderr
    assert 'by = "Bo Analyst"' in (root / "silences.toml").read_text()


def test_state_files_without_suppressed_still_load_and_a_bad_table_is_78(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    old = {
        "format": "orbitwatch-digest-state",
        "version": 1,
        "last_run": None,
        "pending": None,
        "sent": {},
    }
    state.write_text(json.dumps(old))
    assert run("digest", "--state", str(state), root=root).exit_code == 0
    broken = dict(old, suppressed={"v1-x": {"cause": "forgotten"}})
    state.write_text(json.dumps(broken))
    before = state.read_bytes()
    result = run("digest", "--state", str(state), root=root)
    assert (result.exit_code, result.stdout, state.read_bytes()) == (78, "", before)
    assert "its 'suppressed' table is malformed" in result.stderr


def test_an_invalid_silences_file_delivers_and_exits_2(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    silences(
        root,
        '[[silence]]\nid = "s-1"\nmatcher = "contry:KG"\nuntil = 2022-06-30\n'
        'reason = "r"\nby = "A"\n',
    )
    result = run("digest", "--state", str(tmp_path / "s.json"), root=root)
    assert result.exit_code == 2
    assert "KG" in result.stdout
    assert result.stderr.startswith(f"{root}/silences.toml:3:1: error: silence 's-1': bad matcher")


def many_acks(count: int, reason: str) -> str:
    """`count` acknowledgements as `orbit ack` writes them."""
    return "# the team's acks\n" + "".join(
        f'\n[[silence]]\nid = "ack-{n:08x}"\nmatcher = "fingerprint:v1-{n:020x}"\n'
        f'reason = "{reason}"\nby = "Ana"\ncreated = 2022-05-01\n'
        for n in range(count)
    )


def test_two_thousand_acks_over_one_mib_are_read_located_and_added_to(
    write_events: Callable[..., Path],
) -> None:
    """Thousands of acks are a team's normal history (issue 29: reading them was quadratic;
    benchmarks/silences_bench.py times 10,000). Here: the problems of the last tables are
    located exactly, and `silence add` keeps every ack, in a file over an event file's 1 MiB."""
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    path = root / "silences.toml"
    acks = many_acks(2000, "seen by the desk; " + "x" * 560)
    broken = acks + '\n[[silence]]\nid = "s-last"\nmatcher = "contry:KG"\nuntil = 2022-06-30\n'
    path.write_text(broken + 'reason = """\nid = 1\n"""\nby = "Ana"\n', encoding="utf-8")
    assert path.stat().st_size > 1024 * 1024
    last = broken.count("\n") - 1  # the matcher's line
    checked = run_process("check", cwd=root)
    assert checked.returncode == 1
    assert checked.stderr.decode() == (
        f"silences.toml:{last}:1: error: silence 's-last': bad matcher: unknown alert field "
        "'contry' in 'contry:KG' (did you mean 'country'?)\n"
        f"silences.toml:{last + 2}:1: error: silence 's-last' needs a one-line 'reason'\n"
    )
    path.write_text(acks, encoding="utf-8")
    added = run_process(
        "silence", "add", "country:KG", "--until", "30d", "--reason", "r", "--by", "B", cwd=root
    )
    assert added.returncode == 0, added.stderr
    sid = added.stdout.decode().strip()
    text = path.read_text(encoding="utf-8")
    assert text == (
        f'{acks}\n[[silence]]\nid = "{sid}"\nmatcher = "country:KG"\nuntil = 2022-06-30\n'
        'reason = "r"\nby = "B"\ncreated = 2022-05-31\n'
    )
    listed = run_process("silence", "list", "--format", "plain", cwd=root)
    rows = listed.stdout.decode().splitlines()
    assert (len(rows), rows[0].split("\t")[:2], rows[-1].split("\t")[:2]) == (
        2001,
        ["ack-00000000", "ack"],
        [sid, "active"],
    )
