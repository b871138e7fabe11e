"""Issue 30, what a cron job and new analysts still trip over: cron, alerts and eval.

Each test drives the real `orbit` command in a subprocess over files (and git repositories)
under tmp_path.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, REPO, run_process, write_files


def orbit(root: Path, *args: str, today: str = "2022-05-31", **env: str) -> tuple[int, str, str]:
    """(status, stdout, stderr) of the real orbit on the timeline at `root`."""
    full = dict(os.environ, ORBIT_TODAY=today, NO_COLOR="1", **env)
    done = run_process("--root", str(root), *args, env=full)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


# 1. An expired silence is said once, not in every cron run


EXPIRED = """
[[silence]]
id = "s-old"
matcher = "country:KG"
until = 2022-05-20
reason = "KG desk"
by = "Ana"
"""


def test_an_expired_silence_is_said_once_by_the_digest(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    write_files(root, {"silences.toml": EXPIRED})
    state = str(tmp_path / "state.json")
    status, out, err = orbit(root, "digest", "--state", state, "--format", "json")
    assert status == 0 and out
    assert err.count("silence 's-old' expired on 2022-05-20") == 1  # said once
    for _ in range(2):  # every later run: nothing on stderr, nothing mailed
        assert orbit(root, "digest", "--state", state) == (0, "", "")
    assert "s-old" in json.loads(Path(state).read_text())["expired_silences"]
    # extended, then expired again: a new expiry, said once more
    write_files(root, {"silences.toml": EXPIRED.replace("2022-05-20", "2022-05-25")})
    status, out, err = orbit(root, "digest", "--state", state)
    assert (status, out) == (0, "") and err.count("silence 's-old' expired on 2022-05-25") == 1
    assert orbit(root, "digest", "--state", state) == (0, "", "")
    # it stays visible where an analyst looks: silence list and check
    status, out, err = orbit(root, "silence", "list")
    assert status == 0 and out.startswith("s-old\texpired\t2022-05-25\t")
    status, out, err = orbit(root, "check")
    assert status == 0
    assert "silences.toml:4:1: warning: silence 's-old' expired on 2022-05-25" in err


# 2. orbit alerts shows a short fingerprint; ack takes any unique prefix


def test_alerts_show_a_short_fingerprint_that_ack_takes(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    status, out, err = orbit(root, "alerts", "--format", "json")
    full = {a["fingerprint"] for a in json.loads(out)["alerts"]}
    status, out, err = orbit(root, "alerts", "--format", "plain")
    assert status == 0 and err == ""
    shown = [line.split("\t")[-1] for line in out.splitlines()]
    assert sorted(f"v1-{short}" for short in shown) == sorted(fp[:13] for fp in full)
    assert all(len(short) == 10 for short in shown)
    status, table, err = orbit(root, "alerts", "--format", "table", COLUMNS="160")
    assert status == 0 and all(short in table.split() for short in shown)
    # the short fingerprint, or any unique prefix of it, is what ack takes
    target = shown[0]
    status, out, err = orbit(root, "ack", target[:6], "--reason", "seen", "--by", "Ana")
    assert status == 0, err
    assert f"fingerprint:v1-{target}" in (root / "silences.toml").read_text()
    # an unknown prefix: exit 2, and the message lists the fingerprints in force
    status, out, err = orbit(root, "ack", "ffffffffff", "--reason", "x", "--by", "Ana")
    assert status == 2 and out == ""
    assert "'ffffffffff' matches no alert in force" in err
    assert all(short in err for short in shown)


def test_an_ambiguous_fingerprint_prefix_lists_its_candidates(
    write_events: Callable[..., Path],
) -> None:
    # two event ids whose signal alerts' fingerprints share their first four hex digits
    events = {
        f"events/{name}.toml": f"""
            date = 2022-05-{day}
            title = "Aid {name}"
            countries = ["KZ"]
            tags = ["aid"]
            """
        for name, day in (("aid-49", "10"), ("aid-202", "11"))
    }
    root = write_events(events, DIGEST_SETTINGS)
    status, out, err = orbit(root, "alerts", "--format", "plain")
    shown = [line.split("\t")[-1] for line in out.splitlines()]
    by_first: dict[str, list[str]] = {}
    for short in shown:
        by_first.setdefault(short[:4], []).append(short)
    prefix, twins = next((p, s) for p, s in sorted(by_first.items()) if len(s) > 1)
    status, out, err = orbit(root, "ack", prefix, "--reason", "x", "--by", "Ana")
    assert status == 2 and out == ""
    assert f"fingerprint '{prefix}' is ambiguous" in err
    assert all(short in err for short in twins)
    assert sum(short in err for short in shown) == len(twins)  # only the candidates
    assert not (root / "silences.toml").exists()


# 3. Lead time counts from the first commit at which the alert existed


def git_commit(root: Path, day: str, message: str) -> str:
    """Commit everything as of noon on `day`; the new commit's hash."""
    stamp = f"{day}T12:00:00+00:00"
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Ann",
        GIT_AUTHOR_EMAIL="ann@example.org",
        GIT_COMMITTER_NAME="Ann",
        GIT_COMMITTER_EMAIL="ann@example.org",
        GIT_AUTHOR_DATE=stamp,
        GIT_COMMITTER_DATE=stamp,
    )
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, check=True)
    return done.stdout.decode().strip()


OLD_EVENT = """
date = 2022-03-01
title = "A Kazakh minister visits Beijing"
countries = ["KZ", "CN"]
"""
ACT = """
[[acts]]
by = "KZ"
act = "cooperate"
to = "CN"
"""


def test_lead_time_counts_from_the_commit_that_raised_the_alert(tmp_path: Path) -> None:
    root = tmp_path / "timeline"
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    settings = 'counterweights = ["CN"]\n'
    write_files(
        root, {"orbit.toml": DIGEST_SETTINGS.replace("[signals]\n", f"[signals]\n{settings}")}
    )
    write_files(root, {"events/kz-visit.toml": OLD_EVENT})
    git_commit(root, "2022-03-02", "KZ visit")  # no reading, no alert
    status, out, err = orbit(root, "alerts", "--format", "json")
    assert (status, json.loads(out)["alerts"]) == (0, [])
    write_files(root, {"events/kz-visit.toml": OLD_EVENT + ACT})
    act_commit = git_commit(root, "2022-05-20", "KZ visit: the act")
    status, out, err = orbit(root, "alerts", "--lead-time", "--format", "json")
    assert status == 0, err
    rows = json.loads(out)["alerts"]
    assert "signal" in {r["kind"] for r in rows}
    for row in rows:  # the alert came with the act, 80 days after the event: a lag
        assert row["entered"]["commit"] == act_commit
        assert (row["entered"]["day"], row["lead_days"]) == ("2022-05-20", -80)


# 4. The e-mail subject: how many alerts, which countries, the highest level now


def mail_subject(root: Path, today: str) -> str:
    status, out, err = orbit(
        root, "digest", "--format", "email", "--mail-to", "desk@example.org", today=today
    )
    assert status == 0, err
    return str(email.message_from_string(out, policy=email.policy.default)["Subject"])


def test_the_mail_subject_names_countries_and_the_level_now(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    # KZ is at watch on 31 May; KG's reported aid (2.4) stays below it
    assert mail_subject(root, "2022-05-31") == (
        "orbitwatch: 3 new alerts (KZ, KG), highest level now watch (KZ)"
    )
    # a year on, the scores have decayed: the level-up of May is history, no country is at a level
    assert mail_subject(root, "2023-06-01") == (
        "orbitwatch: 4 new alerts (KZ, KG), no country at a level now"
    )


# 5. For month-precision events, signals' Δ30d and signals --monthly agree


def test_month_precision_changes_agree_between_signals_and_monthly(
    write_events: Callable[..., Path],
) -> None:
    events = {
        "events/kz-aid-may.toml": """
            date = "2022-05"
            title = "KZ aid, some day in May"
            countries = ["KZ"]
            tags = ["aid"]
            """
    }
    root = write_events(events, DIGEST_SETTINGS)
    status, out, err = orbit(root, "signals", "--format", "plain", "country:KZ")
    assert status == 0, err
    (row,) = [line.split("\t") for line in out.splitlines()]
    score, change_30d, change_90d = row[2], row[4], row[5]
    status, out, err = orbit(root, "signals", "--monthly", "--format", "plain", "country:KZ")
    may = next(line.split("\t") for line in out.splitlines() if line.startswith("2022-05\t"))
    assert may[2].endswith("away") and may[3] == score
    # all of May's score is new since 1 May, as the month's change says: up, not down
    assert change_30d == change_90d == may[4] == score


# 6-9. orbit eval

EVAL_SETTINGS = """
[signals]
pole = "RU"
watch = ["KZ", "KG", "GE"]
counterweights = ["CN", "TR"]
"""

GE_AND_KZ = {
    # one event, two watched countries, each read by the analyst
    "events/ge-kz-forum.toml": """
        date = 2021-04-01
        title = "Made-up: GE and KZ at a forum in Turkey"
        countries = ["GE", "KZ", "TR"]
        [[acts]]
        by = "GE"
        act = "cooperate"
        to = "TR"
        [signal.GE]
        stance = "away"
        [signal.KZ]
        stance = "toward"
        """,
    "events/kz-china.toml": """
        date = 2022-03-02
        title = "Made-up: KZ buys from China"
        countries = ["KZ", "CN"]
        [[acts]]
        by = "KZ"
        act = "cooperate"
        to = "CN"
        [signal.KZ]
        stance = "away"
        """,
}


def test_eval_with_no_analyst_reading_says_so_and_exits_2(
    write_events: Callable[..., Path],
) -> None:
    root = write_events({"events/a.toml": 'date = 2021-01-01\ntitle = "A"\ncountries = ["KZ"]\n'})
    for fmt in ("text", "json"):
        status, out, err = orbit(root, "eval", "--format", fmt)
        assert (status, out) == (2, "")
        assert err.startswith(
            "orbit: error: nothing to compare: none of the 1 event selected has an analyst's "
            "reading for a watched country"
        )
        assert "agreement" not in err


def test_eval_country_counts_only_that_country_s_readings(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(GE_AND_KZ, EVAL_SETTINGS)
    status, out, err = orbit(root, "eval", "country:GE", "--format", "json")
    assert status == 0, err
    document = json.loads(out)
    assert (document["n"], document["events"], document["agreement"]) == (1, 1, 1.0)
    assert document["disagreements"] == []  # KZ's toward on the forum is not GE's reading
    status, out, err = orbit(root, "eval", "country:KZ", "--format", "json")
    assert (json.loads(out)["n"], json.loads(out)["events"]) == (2, 2)


def test_kappa_is_given_in_words_with_the_readings_behind_it(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(GE_AND_KZ, EVAL_SETTINGS)
    status, out, err = orbit(root, "eval")
    assert status == 0, err
    assert out.splitlines()[1] == (
        "agreement 0.667 (2 of 3), Cohen's kappa 0.400 (fair, Landis and Koch) on 3 readings"
    )
    document = json.loads(orbit(root, "eval", "--format", "json")[1])
    assert (document["kappa_strength"], document["n"]) == ("fair", 3)


def test_eval_by_country_act_and_year(write_events: Callable[..., Path]) -> None:
    root = write_events(GE_AND_KZ, EVAL_SETTINGS)
    status, out, err = orbit(root, "eval", "--by", "country")
    assert status == 0, err
    assert out == (
        "country  readings  agreeing  agreement\n"
        "GE              1         1      1.000\n"
        "KZ              2         1      0.500\n"
    )
    assert orbit(root, "eval", "--by", "year")[1] == (
        "year  readings  agreeing  agreement\n"
        "2021         2         1      0.500\n"
        "2022         1         1      1.000\n"
    )
    assert orbit(root, "eval", "--by", "act")[1] == (
        "act        readings  agreeing  agreement\n"
        "cooperate         2         2      1.000\n"
        "none              1         0      0.000\n"
    )
    groups = json.loads(orbit(root, "eval", "--by", "country", "--format", "json")[1])["groups"]
    assert groups == [
        {"country": "GE", "readings": 1, "agreeing": 1, "agreement": 1.0},
        {"country": "KZ", "readings": 2, "agreeing": 1, "agreement": 0.5},
    ]


def test_the_evaluation_doc_tables_are_the_command_output(tmp_path: Path) -> None:
    target = tmp_path / "eval"
    done = run_process("init", "--example", "eval", str(target), env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    doc = (REPO / "docs" / "evaluation.md").read_text(encoding="utf-8")
    for by in ("country", "act", "year"):
        status, out, err = orbit(target, "eval", "--by", by)
        assert status == 0, err
        assert f"```\n$ orbit eval --by {by}\n{out}```\n" in doc, by


def test_the_digest_and_silence_list_show_the_same_short_fingerprint_as_alerts(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    status, out, err = orbit(root, "alerts", "--format", "plain")
    shown = sorted(line.split("\t")[-1] for line in out.splitlines())
    status, out, err = orbit(root, "digest", "--format", "text")
    assert status == 0, err
    assert sorted(re.findall(r"^\[([0-9a-f]+)\]", out, re.MULTILINE)) == shown
    status, out, err = orbit(root, "digest", "--format", "json")
    assert sorted(a["short_id"] for a in json.loads(out)["alerts"]) == shown
