"""orbit digest as cron runs it: real processes, real state files, locks, pipes and crashes."""

from __future__ import annotations

import email
import email.policy
import fcntl
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import (
    DIGEST_EVENTS,
    DIGEST_SETTINGS,
    cron_env,
    orbit_executable,
    run,
    run_process,
)


@pytest.fixture
def timeline(write_events: Callable[..., Path]) -> Path:
    return write_events(DIGEST_EVENTS, settings=DIGEST_SETTINGS)


def digest(
    root: Path, state: Path | None, *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    extra = ["--state", str(state)] if state is not None else []
    return run_process(
        "--root", str(root), "digest", *extra, *args, env=env or cron_env(root.parent), **kwargs
    )


def ids_of(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [a["fingerprint"] for a in json.loads(result.stdout)["alerts"]]


def test_first_sends_all_second_nothing_new_event_only_its_alerts(
    timeline: Path, tmp_path: Path
) -> None:
    state = tmp_path / "s" / "state.json"
    first = digest(timeline, state, "--format", "json")
    assert first.returncode == 0, first.stderr
    sent = ids_of(first)
    kinds = sorted(a["kind"] for a in json.loads(first.stdout)["alerts"])
    assert kinds == ["level-up", "signal", "signal"]
    second = digest(timeline, state)
    assert (second.returncode, second.stdout, second.stderr) == (0, b"", b"")
    (timeline / "events" / "kz-more.toml").write_text(
        'date = 2022-05-20\ntitle = "More"\ncountries = ["KZ"]\ntags = ["aid"]\n', encoding="utf-8"
    )
    third = digest(timeline, state, "--format", "json")
    new = json.loads(third.stdout)["alerts"]
    assert [(a["kind"], a["subject"]) for a in new] == [("signal", "kz-more")]
    assert not set(ids_of(third)) & set(sent)
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["format"] == "orbitwatch-digest-state" and saved["version"] == 1
    assert len(saved["sent"]) == 4 and saved["pending"] is None
    assert (state.stat().st_mode & 0o777) == 0o600
    assert Path(f"{state}.prev").exists() and Path(f"{state}.lock").exists()


def test_rewording_an_event_or_a_rule_sends_nothing(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    assert digest(timeline, state).returncode == 0
    path = timeline / "events" / "kz-aid.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("Помощь", "Reworded"), "utf-8")
    settings = timeline / "orbit.toml"
    settings.write_text(settings.read_text("utf-8").replace("from elsewhere", "reworded"), "utf-8")
    again = digest(timeline, state)
    assert (again.returncode, again.stdout, again.stderr) == (0, b"", b"")


def test_an_event_dated_long_ago_but_new_to_the_timeline_alerts(
    timeline: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    digest(timeline, state)
    (timeline / "events" / "old.toml").write_text(
        'date = "2019"\ntitle = "Old news"\ncountries = ["KG"]\ntags = ["aid"]\n', "utf-8"
    )
    result = digest(timeline, state, "--format", "json")
    # its signal, and the level crossing it caused (and the decay back) in 2019
    assert sorted(
        (a["kind"], a["subject"], a["date"]) for a in json.loads(result.stdout)["alerts"]
    ) == [
        ("level-down", "old", "2019-08-19"),
        ("level-up", "old", "2019-01-01"),
        ("signal", "old", "2019-01-01"),
    ]


def test_dry_run_writes_nothing_and_baseline_prints_nothing(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    dry = digest(timeline, state, "--dry-run")
    assert dry.returncode == 0 and b"3 new alerts" in dry.stdout
    assert list(tmp_path.glob("state.json*")) == []
    base = digest(timeline, state, "--baseline")
    assert (base.returncode, base.stdout) == (0, b"")
    assert b"recorded 3 alerts" in base.stderr
    after = digest(timeline, state)
    assert (after.returncode, after.stdout, after.stderr) == (0, b"", b"")


def test_stateless_preview_without_state(timeline: Path) -> None:
    one = digest(timeline, None)
    two = digest(timeline, None)
    assert one.returncode == 0 and one.stdout == two.stdout and b"3 new alerts" in one.stdout


def test_default_state_path_under_xdg_state_home(timeline: Path, tmp_path: Path) -> None:
    env = cron_env(tmp_path)
    first = run_process("--root", str(timeline), "digest", "--state", env=env)
    assert first.returncode == 0 and first.stdout
    files = list((tmp_path / "xdg-state" / "orbitwatch").glob("digest-timeline-*.json"))
    assert len(files) == 1
    again = run_process("--root", str(timeline), "digest", "--state", env=env)
    assert again.stdout == b""
    via_env = run_process(
        "--root", str(timeline), "digest", env={**env, "ORBIT_STATE": str(tmp_path / "env.json")}
    )
    assert via_env.stdout and (tmp_path / "env.json").exists()


def test_full_disk_leaves_state_unchanged_and_next_run_resends(
    timeline: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    (timeline / "events" / "kg-aid.toml").rename(tmp_path / "later.toml")
    digest(timeline, state)
    (tmp_path / "later.toml").rename(timeline / "events" / "kg-aid.toml")
    before = state.read_bytes()
    with open("/dev/full", "wb") as full:
        failed = digest(timeline, state, stdout=full)
    assert failed.returncode == 74
    assert b"No space left on device" in failed.stderr and b"Traceback" not in failed.stderr
    assert state.read_bytes() == before
    retry = digest(timeline, state, "--format", "json")
    assert [a["subject"] for a in json.loads(retry.stdout)["alerts"]] == ["kg-aid"]


def test_a_reader_that_has_gone_is_exit_74(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [*orbit_executable(), "--root", str(timeline), "digest", "--state", str(state)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=cron_env(tmp_path),
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 74
    assert b"Traceback" not in result.stderr and b"reader of stdout has gone" in result.stderr
    assert json.loads(state.read_text())["sent"] == {}
    assert len(ids_of(digest(timeline, state, "--format", "json"))) == 3


def test_failing_deliver_cmd_is_74_and_a_working_one_receives_the_digest(
    timeline: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    failed = digest(timeline, state, "--deliver-cmd", "false")
    assert failed.returncode == 74 and failed.stdout == b""
    assert b"exited 1" in failed.stderr
    out = tmp_path / "mail.txt"
    ok = digest(timeline, state, "--deliver-cmd", f"tee {out}")
    assert (ok.returncode, ok.stdout) == (0, b"")
    assert "3 new alerts" in out.read_text(encoding="utf-8")
    assert digest(timeline, state).stdout == b""


def test_killed_between_delivery_and_commit_repeats_once(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    env = cron_env(tmp_path, ORBIT_FAULT="digest-after-deliver")
    crashed = digest(timeline, state, env=env)
    assert crashed.returncode == -9
    assert b"3 new alerts" in crashed.stdout
    digest_id = crashed.stdout.split()[2].decode()
    repeat = digest(timeline, state)
    assert repeat.returncode == 0
    assert f"(repeat of digest {digest_id}".encode() in repeat.stdout
    assert repeat.stdout.count(b"(repeat)") == 3
    assert digest(timeline, state).stdout == b""


def test_two_concurrent_runs_send_each_alert_exactly_once(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events({}, settings=DIGEST_SETTINGS)
    state = tmp_path / "state.json"
    seen: list[str] = []
    for round_number in range(20):
        (root / "events" / f"e{round_number}.toml").write_text(
            f'date = 2022-05-10\ntitle = "Event {round_number}"\ncountries = ["KZ"]\n'
            'tags = ["aid"]\n',
            encoding="utf-8",
        )
        argv = [
            *orbit_executable(),
            "--root",
            str(root),
            "digest",
            "--state",
            str(state),
            "--format",
            "json",
            "--wait",
            "30",
        ]
        procs = [
            subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cron_env(tmp_path)
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        for stdout, _ in outs:
            if stdout:
                seen.extend(a["fingerprint"] for a in json.loads(stdout)["alerts"])
    assert len(seen) == len(set(seen))
    signals = [fp for fp in seen]
    assert len(signals) >= 20  # every event's signal, plus the level crossing


def test_lock_busy_is_75_with_no_stdout_and_wait_succeeds(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    fd = os.open(f"{state}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        busy = digest(timeline, state)
        assert (busy.returncode, busy.stdout) == (75, b"")
        assert b"another orbit digest holds" in busy.stderr
        releaser = threading.Timer(0.5, lambda: fcntl.flock(fd, fcntl.LOCK_UN))
        releaser.start()
        waited = digest(timeline, state, "--wait", "20")
        releaser.join()
        assert waited.returncode == 0 and b"3 new alerts" in waited.stdout
    finally:
        os.close(fd)


BAD_STATES = {
    "not json": b"{not json",
    "truncated": b'{"format": "orbitwatch-digest-state", "version": 1, "sent": {',
    "wrong version": b'{"format": "orbitwatch-digest-state", "version": 99, "sent": {}}',
    "foreign": b'{"hello": "world"}',
    "bad sent": b'{"format": "orbitwatch-digest-state", "version": 1, "sent": []}',
    "binary": b"\xff\xfe\x00garbage",
}


@pytest.mark.parametrize("kind", sorted(BAD_STATES))
def test_unusable_state_is_78_and_untouched(timeline: Path, tmp_path: Path, kind: str) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(BAD_STATES[kind])
    result = digest(timeline, state)
    assert result.returncode == 78
    assert result.stdout == b""
    assert f"state file {state} is unusable".encode() in result.stderr
    assert b"Recover by" in result.stderr and b"Traceback" not in result.stderr
    assert state.read_bytes() == BAD_STATES[kind]
    assert not Path(f"{state}.prev").exists()


def test_missing_state_beside_a_previous_generation_is_78(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    digest(timeline, state)
    digest(timeline, state)
    state.unlink()
    result = digest(timeline, state)
    assert result.returncode == 78 and result.stdout == b""
    assert b"it is missing but" in result.stderr
    assert not state.exists()


def test_output_is_byte_identical_whatever_term_and_columns(timeline: Path, tmp_path: Path) -> None:
    outputs: dict[str, set[bytes]] = {"text": set(), "md": set()}
    for term in (None, "dumb", "xterm-256color"):
        for columns in ("20", "300"):
            env = cron_env(tmp_path, COLUMNS=columns)
            if term:
                env["TERM"] = term
            for fmt, found in outputs.items():
                result = digest(timeline, None, "--format", fmt, env=env)
                assert (result.returncode, result.stderr) == (0, b"")
                found.add(result.stdout)
    assert {fmt: len(found) for fmt, found in outputs.items()} == {"text": 1, "md": 1}
    text, markdown = (found.pop().decode("utf-8") for found in outputs.values())
    assert text.startswith("orbitwatch digest ") and (
        ": 3 new alerts dated 2022-05-10 to 2022-05-12, top level then watch, top level now "
        "watch\n" in text
    )
    assert markdown.startswith("# orbitwatch digest ") and "\n## KZ Kazakhstan\n" in markdown


def test_cron_environment_gives_valid_utf8(timeline: Path, tmp_path: Path) -> None:
    result = digest(timeline, tmp_path / "state.json", env=cron_env(tmp_path))
    assert result.returncode == 0
    assert "Помощь Казахстану: қауіпсіздік" in result.stdout.decode("utf-8")


def test_email_format_is_a_whole_message(timeline: Path, tmp_path: Path) -> None:
    result = digest(timeline, None, "--format", "email", "--mail-to", "desk@example.org")
    assert result.returncode == 0
    message = email.message_from_bytes(result.stdout, policy=email.policy.default)
    assert message["To"] == "desk@example.org"
    assert message["Subject"] == "orbitwatch: 3 new alerts (KZ, KG), highest level now watch (KZ)"
    assert re.fullmatch(r"[^@\s]+@[^@\s]+", message["From"])  # user@host, as mail(1) does
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith("<orbitwatch-digest-")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert "Помощь Казахстану" in message.get_content()
    assert digest(timeline, None, "--format", "email").returncode == 2


def test_markdown_escapes_event_text(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/x.toml": 'date = 2022-05-10\ntitle = "<b>*bold*</b> [x](y)"\n'
            'countries = ["KZ"]\ntags = ["aid"]\n'
        },
        settings=DIGEST_SETTINGS,
    )
    out = digest(root, None, "--format", "md").stdout.decode()
    assert "&lt;b&gt;\\*bold\\*&lt;/b&gt; \\[x\\](y)" in out
    assert "<b>" not in out


def test_fail_on_and_min_level(timeline: Path, tmp_path: Path) -> None:
    assert digest(timeline, None, "--fail-on", "watch").returncode == 1
    only = digest(timeline, None, "--min-level", "watch", "--format", "json")
    alerts = json.loads(only.stdout)["alerts"]
    assert alerts and all(a["level"] == "watch" for a in alerts)
    bad = digest(timeline, None, "--fail-on", "severe")
    assert bad.returncode == 2 and b"'severe' is not a level" in bad.stderr


def test_invalid_event_files_exit_2_and_their_alerts_come_once_fixed(
    timeline: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    broken = timeline / "events" / "broken.toml"
    broken.write_text(
        'date = 2022-05-11\ntitle = "Broken"\ncountries = ["KZ"]\ntags = ["aid"]\noops = 1\n',
        encoding="utf-8",
    )
    first = digest(timeline, state, "--format", "json")
    assert first.returncode == 2 and b"unknown key 'oops'" in first.stderr
    assert "broken" not in [a["subject"] for a in json.loads(first.stdout)["alerts"]]
    broken.write_text(broken.read_text("utf-8").replace("oops = 1\n", ""), encoding="utf-8")
    fixed = digest(timeline, state, "--format", "json")
    assert fixed.returncode == 0
    assert [a["subject"] for a in json.loads(fixed.stdout)["alerts"]] == ["broken"]


def test_in_process_digest_preview(timeline: Path) -> None:
    result = run("digest", "--format", "json", root=timeline)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["schema_version"] == 2


def test_a_query_term_after_a_bare_state_flag_is_refused(
    timeline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a state file named by the term would land here, not in the repo
    result = run("digest", "--state", "country:KZ", root=timeline)
    assert result.exit_code == 2
    assert "--state 'country:KZ' looks like a query term, not a file" in result.stderr
    assert not (tmp_path / "country:KZ").exists()


def test_the_recovery_the_message_suggests_works(timeline: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    digest(timeline, state)
    digest(timeline, state)
    state.write_bytes(b"garbage")
    refused = digest(timeline, state)
    assert refused.returncode == 78
    state.rename(tmp_path / "state.json.broken")  # mv FILE FILE.broken
    assert digest(timeline, state).returncode == 78  # FILE.prev is there: no silent restart
    base = digest(timeline, state, "--baseline")  # orbit digest --state FILE --baseline
    assert base.returncode == 0 and base.stdout == b""
    assert digest(timeline, state).stdout == b""  # and no flood afterwards
