"""Authoring: orbit add, import and init write valid TOML, refuse bad input, never lose data."""

from __future__ import annotations

import filecmp
import json
import os
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orbitwatch.authoring.write import slugify, to_toml
from orbitwatch.timeline.load import load_timeline
from tests.conftest import REPO, run, run_on_pty

SETTINGS = (
    '[tags]\nsummit = "Summits"\nbloc-exit = "Leaving blocs"\nprotests = "Protests"\n'
    'riots = "Riots"\n'
)


@pytest.fixture
def root(write_events: Callable[..., Path]) -> Path:
    return write_events({}, settings=SETTINGS)


def files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in (root / "events").rglob("*") if p.is_file()
    )


def test_add_with_every_option(root: Path) -> None:
    result = run(
        "add",
        "--date",
        "May 2022",
        "--end",
        "2022-06",
        "--title",
        "Rumours: Kazakhstan may leave the EAEU",
        "--summary",
        "Nur-Sultan denies it.",
        "--country",
        "Kazakhstan",
        "--country",
        "RUS",
        "--actor",
        "EAEU",
        "--tag",
        "bloc-exit",
        "--status",
        "denied",
        "--source-url",
        "https://asiatimes.com/x",
        "--source-title",
        "Article",
        "--publisher",
        "Asia Times",
        "--stance",
        "away",
        "--weight",
        "2",
        root=root,
    )
    assert result.exit_code == 0, result.stderr
    path = root / "events" / "2022" / "2022-05-rumours-kazakhstan-may-leave-the-eaeu.toml"
    assert result.stdout == f"{path}\t2022-05-rumours-kazakhstan-may-leave-the-eaeu\n"
    event = load_timeline(root).events[0]
    assert (event.date.iso(), event.end.iso() if event.end else None) == ("2022-05", "2022-06")
    assert event.countries == ("KZ", "RU") and event.actors == ("EAEU",)
    assert event.status == "denied" and event.tags == ("bloc-exit",)
    assert event.sources[0].url == "https://asiatimes.com/x"
    assert event.signal is not None and (event.signal.stance, event.signal.weight) == ("away", 2)
    assert list(tomllib.loads(path.read_text("utf-8"))) == [
        "date",
        "end",
        "title",
        "summary",
        "countries",
        "actors",
        "tags",
        "status",
        "sources",
        "signal",
    ]


def test_add_dry_run_writes_nothing(root: Path) -> None:
    result = run("add", "--date", "2022-05-16", "--title", "Summit", "--dry-run", root=root)
    assert result.exit_code == 0 and 'title = "Summit"' in result.stdout
    assert files(root) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "05/06/2022", "--title", "x"], "ambiguous"),
        (["--date", "2022-02-30", "--title", "x"], "not a real date"),
        (["--date", "2022-05-16", "--title", "x", "--country", "Narnia"], "unknown country"),
        (["--date", "2022-05-16", "--title", "x", "--tag", "sumit"], "did you mean 'summit'"),
        (["--date", "2022-05-16", "--title", "a\x00b"], "control character U+0000"),
        (
            ["--date", "2022-05-16", "--title", "x", "--source-url", "file:///etc/passwd"],
            "must start with http",
        ),
        (
            ["--date", "2022-05-16", "--title", "x", "--stance", "away"],
            "a signal needs both a stance and a weight (or neither)",
        ),
    ],
)
def test_add_refusals(root: Path, args: list[str], message: str) -> None:
    result = run("add", *args, root=root)
    assert result.exit_code == 2
    assert message in result.stderr
    assert files(root) == []


def test_add_refuses_a_huge_summary(root: Path) -> None:
    result = run(
        "add", "--date", "2022-05-16", "--title", "x", "--summary", "y" * 5_000_000, root=root
    )
    assert result.exit_code == 2 and "longer than" in result.stderr
    assert files(root) == []


def test_add_refuses_duplicates_and_never_overwrites(root: Path) -> None:
    assert run("add", "--date", "2022-05-16", "--title", "CSTO summit", root=root).exit_code == 0
    twin = run("add", "--date", "2022-05-16", "--title", "CSTO Summit!", root=root)
    assert twin.exit_code == 2 and "duplicate of 2022-05-16-csto-summit" in twin.stderr
    other = root / "events" / "2022" / "2022-05-16-other.toml"
    other.write_text('date = 2022-05-17\ntitle = "Keep me"\n', encoding="utf-8")
    result = run("add", "--date", "2022-05-16", "--title", "Other", root=root)
    assert result.exit_code == 0
    assert other.read_text("utf-8") == 'date = 2022-05-17\ntitle = "Keep me"\n'
    assert (root / "events" / "2022" / "2022-05-16-other-2.toml").exists()


@pytest.mark.parametrize("title", ["../../etc/passwd", "/etc/passwd", "..", "\\\\server\\x"])
def test_titles_never_make_paths_outside_events(root: Path, title: str) -> None:
    result = run("add", "--date", "2022-05-16", "--title", title, root=root)
    assert result.exit_code == 0, result.stderr
    written = [root / f for f in files(root)]
    assert len(written) == 1
    assert written[0].resolve().is_relative_to((root / "events").resolve())


def test_add_edit_opens_the_editor_and_rechecks(root: Path, tmp_path: Path) -> None:
    """On a terminal (stdin and stdout; without one --edit is refused, see
    tests/test_hardening3_small.py)."""
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i \'s/^title = .*/title = "Edited"/\' "$1"\n')
    editor.chmod(0o755)
    add = ("--root", str(root), "add", "--edit", "--date")
    ok, _ = run_on_pty(
        *add, "2022-05-16", "--title", "Draft", env=dict(os.environ, VISUAL=str(editor))
    )
    assert ok.returncode == 0, ok.stderr
    assert load_timeline(root).events[0].title == "Edited"
    breaker = tmp_path / "break.sh"
    breaker.write_text('#!/bin/sh\necho "oops = 1" >> "$1"\n')
    breaker.chmod(0o755)
    env = dict(os.environ, VISUAL=str(breaker))
    bad, _ = run_on_pty(*add, "2022-05-17", "--title", "Other", env=env, typed=b"n\n")
    assert bad.returncode == 2 and b"unknown key 'oops'" in bad.stderr


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("CSTO summit in Moscow", "csto-summit-in-moscow"),
        ("Саммит ОДКБ в Москве", "sammit-odkb-v-moskve"),
        ("Қазақ тілі: ұлттық", "qazaq-tili-ulttyq"),
        ("Café Türkiye — İstanbul", "cafe-turkiye-istanbul"),
        ("Ərdoğan in Bakı: Azərbaycan", "erdogan-in-baki-azerbaycan"),
        (
            "Հայաստանը սառեցնում է ՀԱՊԿ",
            "hayastany-sarretsnowm-e-hapk",
        ),  # one word, one slug word (issue 30)
        ("中国—中亚峰会", "zhong-guo-zhong-ya-feng-hui"),
        ("!!!", "event"),
        ("word " * 40, "word-" * 11 + "word"),
    ],
)
def test_slugs(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slugify(title)) <= 60


ACLED = """event_date,country,actor1,actor2,notes,source,event_type,sub_event_type
2022-05-03,Kazakhstan,Protesters (Kazakhstan),,Residents rallied against fuel prices in Zhanaozen.,Asia Times,Protests,Peaceful protest
16 May 2022,Kyrgyzstan,Rioters (Kyrgyzstan),Police Forces of Kyrgyzstan,Clashes near the border post.,Reuters,Riots,Violent demonstration
"""


def test_import_acled_csv(root: Path, tmp_path: Path) -> None:
    source = tmp_path / "acled.csv"
    source.write_text(ACLED, encoding="utf-8")
    settings = root / "orbit.toml"
    settings.write_text(
        SETTINGS + 'peaceful-protest = "p"\nviolent-demonstration = "v"\n', encoding="utf-8"
    )
    result = run("import", str(source), root=root)
    assert result.exit_code == 0, result.stderr
    events = load_timeline(root).events
    assert [(e.date.iso(), e.countries, e.title) for e in events] == [
        ("2022-05-03", ("KZ",), "Residents rallied against fuel prices in Zhanaozen."),
        ("2022-05-16", ("KG",), "Clashes near the border post."),
    ]
    assert events[1].actors == ("Rioters (Kyrgyzstan)", "Police Forces of Kyrgyzstan")
    assert events[1].tags == ("riots", "violent-demonstration")
    assert events[1].sources[0].publisher == "Reuters"
    again = run("import", str(source), root=root)
    assert again.exit_code == 0
    assert again.stderr == (
        "skipped row 2: Residents rallied against fuel prices in Zhanaozen. (already in the "
        "timeline as 2022-05-03-residents-rallied-against-fuel-prices-in-zhanaozen)\n"
        "skipped row 3: Clashes near the border post. (already in the timeline as "
        "2022-05-16-clashes-near-the-border-post)\n"
        "imported 0 events, skipped 2 duplicates\n"
    )


def test_import_is_all_or_nothing_and_reports_every_bad_row(root: Path, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(ACLED + "05/06/2022,Narnia,x,,y,z,Riots,Looting\n", encoding="utf-8")
    result = run("import", str(source), root=root)
    assert result.exit_code == 2
    assert f"{source}:row 4: date: '05/06/2022' is ambiguous" in result.stderr
    assert f"{source}:row 4: countries: unknown country 'Narnia'" in result.stderr
    assert f"{source}:row 2: tags: unknown tag 'peaceful-protest'" in result.stderr
    assert files(root) == []


def test_import_map_and_unknown_columns(root: Path, tmp_path: Path) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text("When,Headline,Where,Remarks\n2022-05-16,Summit,KZ,x\n", encoding="utf-8")
    unknown = run("import", str(source), root=root)
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        f"{source}: When: unknown column; map it with --map 'When=FIELD' or --map 'When=ignore'\n"
        f"{source}: Headline: unknown column; map it with --map 'Headline=FIELD' or --map "
        "'Headline=ignore'\n"
        f"{source}: Where: unknown column; map it with --map 'Where=FIELD' or --map "
        "'Where=ignore'\n"
        f"{source}: Remarks: unknown column; map it with --map 'Remarks=FIELD' or --map "
        "'Remarks=ignore'\n"
        f"{source}: date: no column gives the date; name one 'date' (any case) or map one to "
        "date\n"
        f"orbit: error: nothing imported: 5 problems in {source}\n"
    )
    mapped = run(
        "import",
        str(source),
        "--map",
        "When=date",
        "--map",
        "Headline=title",
        "--map",
        "Where=countries",
        "--map",
        "Remarks=ignore",
        root=root,
    )
    assert mapped.exit_code == 0, mapped.stderr
    assert [e.title for e in load_timeline(root).events] == ["Summit"]


def test_import_headers_match_in_any_case(root: Path, tmp_path: Path) -> None:
    source = tmp_path / "caps.csv"
    source.write_text(
        "Date,Title,Countries,EVENT_TYPE\n2022-05-16,Made-up summit,KZ,Summit\n", encoding="utf-8"
    )
    lower = tmp_path / "lower.csv"
    lower.write_text(source.read_text().lower(), encoding="utf-8")
    caps = run("import", str(source), "--dry-run", root=root)
    plain = run("import", str(lower), "--dry-run", root=root)
    assert caps.exit_code == 0, caps.stderr
    assert caps.stdout.lower() == plain.stdout.lower() != ""


def test_import_reports_a_bad_column_once_not_per_row(root: Path, tmp_path: Path) -> None:
    rows = "".join(f"2022-05-{day},Made-up event {day},KZ,x{day}\n" for day in (16, 17, 18))
    source = tmp_path / "bad-warn.csv"
    source.write_text("date,title,countries,warn\n" + rows, encoding="utf-8")
    result = run("import", str(source), root=root)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"{source}: warn: refused in all 3 rows: not a list of days: 'x16'; not a list of days: "
        "'x17'; not a list of days: 'x18'\n"
        f"orbit: error: nothing imported: 1 problem in {source}\n"
    )
    no_date = tmp_path / "no-date.csv"
    no_date.write_text("When,title\n2022-05-16,A\n2022-05-17,B\n", encoding="utf-8")
    result = run("import", str(no_date), root=root)
    assert result.stderr == (
        f"{no_date}: When: unknown column; map it with --map 'When=FIELD' or --map "
        "'When=ignore'\n"
        f"{no_date}: date: no column gives the date; name one 'date' (any case) or map one to "
        "date\n"
        f"orbit: error: nothing imported: 2 problems in {no_date}\n"
    )
    one_bad = tmp_path / "one-bad.csv"
    one_bad.write_text(
        "date,title,countries,warn\n2022-05-16,A,KZ,x\n2022-05-17,B,KZ,7\n", encoding="utf-8"
    )
    result = run("import", str(one_bad), root=root)
    assert result.stderr.startswith(f"{one_bad}:row 2: warn: not a list of days: 'x'\n")


def comparable(events: list) -> list:
    return [
        (
            e.id,
            e.date,
            e.end,
            e.title,
            e.summary,
            e.countries,
            e.actors,
            e.tags,
            e.status,
            e.sources,
            e.signal,
            e.warn,
            e.acts,
            e.country_signals,
        )
        for e in events
    ]


@pytest.fixture(params=["central-asia", "eval"])
def any_example(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Each shipped example: the second carries [signal.XX] tables and many acts."""
    target = tmp_path / "source"
    assert run("init", str(target), "--example", request.param).exit_code == 0
    return target


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_then_import_is_identity(fmt: str, tmp_path: Path, any_example: Path) -> None:
    example = any_example
    out = tmp_path / f"export.{fmt}"
    exported = run("render", "--format", fmt, "-o", str(out), root=example)
    assert exported.exit_code == 0
    target = tmp_path / f"fresh-{fmt}"
    assert run("init", str(target), "--empty").exit_code == 0
    (target / "orbit.toml").write_text((example / "orbit.toml").read_text("utf-8"), "utf-8")
    result = run("import", str(out), root=target)
    assert result.exit_code == 0, result.stderr
    assert comparable(load_timeline(target).events) == comparable(load_timeline(example).events)


def test_interrupted_import_leaves_whole_files_or_nothing(root: Path, tmp_path: Path) -> None:
    from tests.conftest import cron_env, run_process

    source = tmp_path / "acled.csv"
    source.write_text(
        ACLED.replace("Protests,Peaceful protest", "Protests,").replace(
            "Riots,Violent demonstration", "Riots,"
        ),
        encoding="utf-8",
    )
    env = cron_env(tmp_path, ORBIT_FAULT="import-before-links")
    crashed = run_process("--root", str(root), "import", str(source), env=env)
    assert crashed.returncode == -9
    assert files(root) == [] or all(
        tomllib.loads((root / f).read_text("utf-8")) for f in files(root) if "/.import" not in f
    )
    timeline = load_timeline(root)
    assert timeline.events == []
    assert [(p.severity, p.message) for p in timeline.problems] == [
        ("warning", "leftover temporary file from an interrupted write; not read (safe to delete)")
    ]
    ok = run_process("--root", str(root), "import", str(source), env=cron_env(tmp_path))
    assert ok.returncode == 0, ok.stderr
    assert len(load_timeline(root).events) == 2


def test_init_example_and_empty_then_check_is_clean(tmp_path: Path) -> None:
    for args in ([], ["--empty"], ["--example", "central-asia"]):
        folder = tmp_path / ("d" + "".join(args))
        assert run("init", str(folder), *args).exit_code == 0
        assert (folder / ".gitignore").exists() and (folder / "events").is_dir()
        check = run("check", root=folder)
        assert check.exit_code == 0, check.stderr
    assert len(load_timeline(tmp_path / "d").events) == 18
    busy = run("init", str(tmp_path / "d"))
    assert busy.exit_code == 2 and "not an empty folder" in busy.stderr


def test_the_packaged_example_is_the_shipped_one() -> None:
    packaged = REPO / "src" / "orbitwatch" / "examples" / "central-asia"
    assert filecmp.cmp(packaged / "orbit.toml", REPO / "orbit.toml", shallow=False)
    comparison = filecmp.dircmp(packaged / "events", REPO / "events")
    stack = [comparison]
    while stack:
        current = stack.pop()
        assert not (current.left_only or current.right_only or current.diff_files), current.report()
        stack.extend(current.subdirs.values())


hostile_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@given(hostile_text, hostile_text)
def test_tomli_w_round_trips_hostile_strings(title: str, summary: str) -> None:
    fields = {
        "date": "2022-05",
        "title": title or "x",
        "summary": summary,
        "actors": [title, summary] if title and summary else [],
    }
    assert {k: v for k, v in tomllib.loads(to_toml(fields)).items()} == {
        k: v for k, v in fields.items() if v not in ("", [])
    }


def test_add_in_cron_environment(root: Path, tmp_path: Path) -> None:
    from tests.conftest import cron_env, run_process

    result = run_process(
        "--root",
        str(root),
        "add",
        "--date",
        "2022-05-16",
        "--title",
        "Саммит ОДКБ",
        env=cron_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "sammit-odkb" in result.stdout.decode("utf-8")
    assert os.listdir(root / "events" / "2022") == ["2022-05-16-sammit-odkb.toml"]
    assert json.dumps(True)


def test_only_csv_cells_lose_the_formula_guard(root: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"date": "2022-05-16", "title": "\'=quoted on purpose"}\n', "utf-8")
    assert run("import", str(source), root=root).exit_code == 0
    assert [e.title for e in load_timeline(root).events] == ["'=quoted on purpose"]
    sheet = tmp_path / "in.csv"
    sheet.write_text("date,title\n2022-05-17,'=SUM(A1)\n", encoding="utf-8")
    assert run("import", str(sheet), root=root).exit_code == 0
    assert "=SUM(A1)" in [e.title for e in load_timeline(root).events]
