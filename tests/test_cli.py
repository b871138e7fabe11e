"""The orbit command end to end: in-process through CliRunner, and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import cron_env, run, run_process

TWO = {
    "events/2022/a.toml": """
        date = 2022-05-16
        title = "Саммит ОДКБ в Москве"
        countries = ["RU", "KZ"]
        tags = ["summit"]
        """,
    "events/2021/b.toml": """
        date = "2021-08"
        title = "Тіл патрульдері: қазақ тілінде сөйлеңіз"
        countries = ["KZ"]
        status = "reported"
        """,
}


def test_list_plain_is_tab_separated_in_sort_order(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    result = run("list", root=root)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "2021-08\tb\tKZ\treported\t-\t-\tТіл патрульдері: қазақ тілінде сөйлеңіз\n"
        "2022-05-16\ta\tRU,KZ\toccurred\t-\t-\tСаммит ОДКБ в Москве\n"
    )


def test_list_sort_limit_and_ids(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    assert run("list", "--sort", "-date", "--format", "ids", root=root).stdout == "a\nb\n"
    assert run("list", "--limit", "1", "--format", "ids", root=root).stdout == "b\n"


def test_list_sugar_options_become_terms(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    result = run("list", "--since", "2022-01", "--country", "kaz", "--format", "ids", root=root)
    assert result.stdout == "a\n"
    assert run("list", "--tag", "summit", "--format", "ids", root=root).stdout == "a\n"


def test_list_json_carries_schema_and_precision(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    document = json.loads(run("list", "--format", "json", root=root).stdout)
    assert document["schema_version"] == 2
    assert [(e["id"], e["date"], e["precision"]) for e in document["events"]] == [
        ("b", "2021-08", "month"),
        ("a", "2022-05-16", "day"),
    ]
    lines = run("list", "--format", "jsonl", root=root).stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["b", "a"]


def test_list_csv_neutralises_formulas(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/f.toml": """
        date = 2022-05-16
        title = "=HYPERLINK(\\"http://evil\\")"
        """
        }
    )
    out = run("list", "--format", "csv", root=root).stdout
    assert out.splitlines()[1].startswith('f,2022-05-16,,"\'=HYPERLINK(""http://evil"")"')


def test_invalid_file_is_skipped_reported_and_exit_2(write_events: Callable[..., Path]) -> None:
    root = write_events({**TWO, "events/bad.toml": 'date = 2022-05-16\ntitel = "x"\n'})
    result = run("list", "--format", "ids", root=root)
    assert result.exit_code == 2
    assert result.stdout == "b\na\n"
    bad = root / "events" / "bad.toml"
    assert result.stderr == (
        f"{bad}:1:1: error: missing required key 'title'\n"
        f"{bad}:2:1: error: unknown key 'titel' (did you mean 'title'?)\n"
    )


def test_bad_query_terms_are_usage_errors(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    result = run("list", "contry:KZ", root=root)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "orbit: error: unknown query field 'contry' in 'contry:KZ' (did you mean 'country'?)\n"
    )
    result = run("list", "since:05/06/2022", root=root)
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr and "2022-05-06 or 2022-06-05" in result.stderr


def test_check_exit_status_and_json(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    clean = run("check", root=root)
    assert (clean.exit_code, clean.stdout, clean.stderr) == (0, "", "2 events, no problems\n")
    (root / "events" / "bad.toml").write_text('date = "2022-13"\ntitle = "x"\n', encoding="utf-8")
    found = run("check", root=root)
    assert found.exit_code == 1
    assert found.stderr.endswith(
        "bad.toml:1:1: error: 'date': '2022-13' is not a real date: there is no month 13; use "
        "YYYY-MM-DD\n"
    )
    document = json.loads(run("check", "--format", "json", root=root).stdout)
    assert [(p["line"], p["col"]) for p in document["problems"]] == [(1, 1)]


def test_check_named_files_only(write_events: Callable[..., Path]) -> None:
    root = write_events({**TWO, "events/bad.toml": "x = \n"})
    result = run("check", str(root / "events" / "2022" / "a.toml"), root=root)
    assert (result.exit_code, result.stderr) == (0, "1 event, no problems\n")


def test_show_an_event_whole(write_events: Callable[..., Path]) -> None:
    root = write_events(
        {
            "events/s.toml": """
        date = "2021-08"
        title = "Language patrols"
        summary = "Line one.\\nLine two."
        countries = ["KZ"]
        actors = ["patrols"]
        tags = ["language"]
        [[sources]]
        title = "Article"
        publisher = "Asia Times"
        url = "https://asiatimes.com/x"
        [signal]
        stance = "away"
        weight = 2
        note = "Analyst's call."
        """
        }
    )
    out = run("show", "s", root=root, env={"COLUMNS": "100"}).stdout
    for fragment in (
        "Language patrols",
        "Aug 2021  (month precision)",
        "KZ Kazakhstan",
        "patrols",
        "language",
        "▲ away weight 2, from the analyst's own [signal] table",
        "Analyst's call.",
        "Line one.\nLine two.",
        "Article · Asia Times · https://asiatimes.com/x",
    ):
        assert fragment in out
    doc = json.loads(run("show", "s", "--format", "json", root=root).stdout)
    assert doc["signal"] == {"stance": "away", "weight": 2, "note": "Analyst's call."}


def test_show_unknown_id(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    result = run("show", "aa", root=root)
    assert result.exit_code == 2
    assert result.stderr.startswith("orbit: error: no event with id 'aa'")


def test_markup_in_event_text_prints_as_text(write_events: Callable[..., Path]) -> None:
    hostile = "[bold]x[/bold] [/bold] [link=file:///etc/passwd]y[/link]"
    root = write_events({"events/m.toml": f'date = 2022-05-16\ntitle = "{hostile}"\n'})
    for args in (["list", "--format", "table"], ["show", "m"], ["list"]):
        result = run(*args, root=root, env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.stderr
        assert hostile in result.stdout
        assert "\x1b" not in result.stdout
    colour = run("--color", "list", "--format", "table", root=root, env={"COLUMNS": "200"})
    assert hostile in colour.stdout and "\x1b]8;" not in colour.stdout


def test_escape_sequences_in_titles_are_refused_not_printed(
    write_events: Callable[..., Path],
) -> None:
    root = write_events(
        {**TWO, "events/esc.toml": 'date = 2022-05-16\ntitle = "\\u001b[2J\\u009b"\n'}
    )
    result = run("list", root=root)
    assert result.exit_code == 2
    assert "\x1b" not in result.stdout + result.stderr and "\x9b" not in result.stderr
    assert "'title' contains a control character U+001B" in result.stderr


def test_no_timeline_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orbitwatch", "list"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=cron_env(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"orbit: error: no timeline here: no orbit.toml or events/ in {tmp_path}"
    )
    assert "Traceback" not in result.stderr


def test_root_is_found_upward_and_from_orbit_root(write_events: Callable[..., Path]) -> None:
    root = write_events(TWO)
    deep = root / "events" / "2022"
    found = run_process("list", "--format", "ids", cwd=deep, env=cron_env(root))
    assert found.stdout == b"b\na\n"
    env = cron_env(root, ORBIT_ROOT=str(root))
    assert run_process("list", "--format", "ids", cwd=root.parent, env=env).stdout == b"b\na\n"


def test_cron_environment_writes_utf8_without_traceback(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events({**TWO, "events/bad.toml": 'date = 2022-05-16\ntitle = "Қате"\nx = 1\n'})
    result = run_process("--root", str(root), "list", env=cron_env(tmp_path))
    assert result.returncode == 2
    out = result.stdout.decode("utf-8")
    assert "Тіл патрульдері: қазақ тілінде сөйлеңіз" in out and "Саммит ОДКБ" in out
    assert "unknown key 'x'" in result.stderr.decode("utf-8")
    assert b"Traceback" not in result.stderr
    show = run_process("--root", str(root), "show", "b", env=cron_env(tmp_path))
    assert show.returncode == 2 and "қазақ" in show.stdout.decode("utf-8")


def test_version_imports_neither_rich_nor_dateutil() -> None:
    code = (
        "import sys\n"
        "from orbitwatch.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('rich', 'dateutil', 'pycountry', 'tomli', 'tomllib')), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.startswith("orbit ")
    assert result.stderr == "[]\n"


def test_stdout_to_dev_full_is_exit_74(write_events: Callable[..., Path], tmp_path: Path) -> None:
    root = write_events(TWO)
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "orbitwatch", "--root", str(root), "list"],
            stdout=full,
            stderr=subprocess.PIPE,
            env=cron_env(tmp_path),
        )
    assert result.returncode == 74
    assert result.stderr == b"orbit: error: cannot write output: No space left on device\n"


def test_example_kazakh_events_since_may(tmp_path: Path) -> None:
    from tests.conftest import REPO

    result = run_process(
        "list",
        "country:Kazakhstan",
        "since:2022-05",
        "--format",
        "json",
        cwd=REPO,
        env=cron_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    assert events and all("KZ" in e["countries"] for e in events)
    assert all(e["date"] >= "2022-05" or e["date"] == "2022" for e in events)
    assert "2022-05-16-csto-summit-moscow" in [e["id"] for e in events]
    assert "2021-08-kazakhstan-language-patrols" not in [e["id"] for e in events]
