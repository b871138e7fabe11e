"""The analyst's loop over a feed: `orbit feed compare`, `orbit feed suggest`, feed alerts in
the digest and the feed beside the curated score in the HTML page.

Each test drives the real `orbit` in a subprocess on the labelled evaluation timeline and a
store imported from the shipped fixtures (tests/data/feeds/) with real DuckDB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, run_process

FIXTURES = REPO / "tests" / "data" / "feeds"


def _env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        XDG_STATE_HOME=str(base / "xdg-state"),
        XDG_CACHE_HOME=str(base / "xdg-cache"),
        XDG_DATA_HOME=str(base / "xdg-data"),
        ORBIT_TODAY="2022-05-31",
        NO_COLOR="1",
    )
    return env


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The eval timeline and a store of every shipped fixture, made once for the module."""
    base = tmp_path_factory.mktemp("loop")
    env = _env(base)
    result = run_process("init", "--example", "eval", str(base / "eval"), env=env)
    assert result.returncode == 0, result.stderr
    files = sorted(str(p) for p in FIXTURES.iterdir() if p.suffix in (".CSV", ".tab"))
    result = run_process("feed", "import", "--store", str(base / "store"), *files, env=env)
    assert result.returncode == 0, result.stderr
    return base


@pytest.fixture
def root(made: Path, tmp_path: Path) -> Path:
    """A copy of the eval timeline beside a copy of the store (orbit.toml names ../store)."""
    shutil.copytree(made / "eval", tmp_path / "eval")
    shutil.copytree(made / "store", tmp_path / "store")
    return tmp_path / "eval"


def orbit(root: Path, *args: str) -> tuple[int, str, str]:
    """orbit run from the timeline's folder (so that --store ../store is the copied store)."""
    result = run_process("--root", str(root), *args, cwd=root)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def opt_in(root: Path, alert: str = "true") -> None:
    with (root / "orbit.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'\n[feeds.gdelt]\nstore = "../store"\nalert = {alert}\n')


# -- compare ----------------------------------------------------------------------------------

KZ_LINES = [
    "KZ\t2022-01\t▼ toward\t-3.08\t─ steady\t+0.636\t11\tNO",
    "KZ\t2022-02\t─ steady\t-2.77\t▼ toward\t+0.286\t14\tNO",
    "KZ\t2022-03\t▲ away\t+0.52\t─ steady\t+0.500\t14\tNO",
    "KZ\t2022-04\t─ steady\t+0.46\t─ steady\t+0.455\t11\tyes",
    "KZ\t2022-05\t─ steady\t+0.41\t▼ toward\t+0.273\t11\tNO",
]


def test_compare_lines_up_curated_and_feed_months_and_marks_disagreement(root: Path) -> None:
    status, out, err = orbit(root, "feed", "compare", "--store", "../store", "country:KZ,KG")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[:5] == KZ_LINES
    # KG has too few coded rows a month for the feed to have a say: curated only
    assert lines[5:] == [
        "KG\t2022-01\t▼ toward\t-0.34\t-\t\t\t",
        "KG\t2022-02\t─ steady\t-0.31\t-\t\t\t",
        "KG\t2022-03\t─ steady\t-0.27\t-\t\t\t",
        "KG\t2022-04\t─ steady\t-0.24\t-\t\t\t",
        "KG\t2022-05\t─ steady\t-0.21\t-\t\t\t",
    ]


def test_compare_json_reports_agreement_where_both_have_data(root: Path) -> None:
    status, out, err = orbit(root, "feed", "compare", "--store", "../store", "--format", "json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert document["schema_version"] == 1
    assert document["agreement"] == {"months": 5, "agreeing": 1, "share": 0.2}
    assert document["countries"]["KZ"] == {"months": 5, "agreeing": 1, "share": 0.2}
    assert document["countries"]["UA"] == {"months": 0, "agreeing": 0, "share": None}
    may = [m for m in document["months"] if m["country"] == "KZ" and m["month"] == "2022-05"]
    assert may == [
        {
            "country": "KZ",
            "month": "2022-05",
            "curated": "steady",
            "curated_score": 0.411,
            "feed": "toward",
            "feed_index": 0.2727,
            "feed_rows": 11,
            "feed_raw_rows": 11,
            "agree": False,
        }
    ]


def test_compare_explain_says_how_many_rows_were_folded(root: Path) -> None:
    status, out, err = orbit(root, "feed", "compare", "--store", "../store", "--explain", "KZ")
    assert (status, err) == (0, "")
    assert out.splitlines()[:4] == [
        "2022-01 DISAGREE",
        "  curated: ▼ toward (2022-01-05-kazakhstan-requests-csto-troops)",
        "  feed: ─ steady; away 8, toward 1 of 11; no earlier month to compare",
        "  folded: 11 stored rows, 11 after folding (0 folded)",
    ]


def test_fold_counts_rows_of_one_story_once(root: Path, tmp_path: Path) -> None:
    """Three copies of a KZ row (same day, dyad, root and host; other event ids) fold into one."""
    source = (FIXTURES / "madeup-central-asia.export.CSV").read_text(encoding="utf-8")
    first = source.splitlines()[0].split("\t")
    copies = []
    for number in range(3):
        row = list(first)
        row[0] = f"99000000{number}"
        row[60] = f"https://example.org/made-up/copy-{number}"
        copies.append("\t".join(row))
    extra = tmp_path / "copies.export.CSV"
    extra.write_text("\n".join(copies) + "\n", encoding="utf-8")
    status, _, err = orbit(root, "feed", "import", "--store", "../store", str(extra))
    assert (status, err) == (0, "")
    args = ("feed", "compare", "--store", "../store", "country:KZ", "--format", "json")
    folded = json.loads(orbit(root, *args)[1])
    unfolded = json.loads(orbit(root, *args, "--no-fold")[1])
    january = [m for m in folded["months"] if m["month"] == "2022-01"][0]
    assert (january["feed_rows"], january["feed_raw_rows"]) == (11, 14)
    assert folded["folded_rows"] == 3
    assert [m for m in unfolded["months"] if m["month"] == "2022-01"][0]["feed_rows"] == 14


def test_compare_without_a_store_says_so(root: Path) -> None:
    status, out, err = orbit(root, "feed", "compare", "--store", "../nothing")
    assert status == 2 and out == ""
    assert "the store ../nothing does not exist" in err


# -- suggest ----------------------------------------------------------------------------------


def test_suggest_drafts_uncovered_clusters_that_check_accepts_once_written(root: Path) -> None:
    status, out, err = orbit(root, "feed", "suggest", "--store", "../store", "--limit", "1")
    assert (status, err) == (0, "")
    assert out == (
        "# ---- 2022-04-am-disapprove-ru.toml\n"
        "# Drafted by `orbit feed suggest` from the gdelt feed: 2 coded rows (2 after folding "
        "duplicates)\n"
        "# of AM disapprove (CAMEO 11) RU in 2022-04, which no curated event covers.\n"
        "# Read the sources, write the title and summary (orbit check rejects an empty title),\n"
        "# correct the date, acts and status, then move the file under events/.\n"
        'date = "2022-04"\ntitle = ""\nsummary = ""\ncountries = ["AM", "RU"]\n'
        'status = "reported"\n\n[[acts]]\nby = "AM"\nact = "disapprove"\nto = "RU"\n\n'
        '[[sources]]\npublisher = "example.org"\n'
        'url = "https://example.org/made-up/2022-04-02/9100000082"\n'
    )
    status, out, err = orbit(root, "feed", "suggest", "--store", "../store", "--write", "events/x")
    assert (status, out) == (2, "")
    assert err.startswith("orbit: error: events/x is inside the timeline's events/ folder")
    drafts = root / "drafts"
    status, out, err = orbit(root, "feed", "suggest", "--store", "../store", "--write", "drafts")
    assert (status, err) == (0, "")
    written = [root / line for line in out.splitlines()]
    assert len(written) == 5 and all(path.parent == drafts for path in written)
    draft = written[0]
    status, out, err = orbit(root, "check", str(draft))
    assert status == 1
    assert err.endswith("error: 'title' is empty\n")
    text = draft.read_text(encoding="utf-8")
    text = text.replace('title = ""', 'title = "Armenia rebukes Moscow over the CSTO"')
    text = text.replace('summary = ""', 'summary = "Yerevan says the bloc failed it."')
    draft.write_text(text, encoding="utf-8")
    assert orbit(root, "check", str(draft)) == (0, "", "1 event, no problems\n")
    (root / "events" / "2022").mkdir(exist_ok=True)
    draft.rename(root / "events" / "2022" / draft.name)
    status, out, err = orbit(root, "check")  # the whole timeline with the new event
    assert (status, out) == (0, "") and err.endswith(" events, no problems\n")


def test_suggest_never_overwrites_a_draft(root: Path, tmp_path: Path) -> None:
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    mine = drafts / "2022-04-am-disapprove-ru.toml"
    mine.write_text("# my own notes\n", encoding="utf-8")
    args = ("feed", "suggest", "--store", "../store", "--limit", "1", "--write", str(drafts))
    status, out, err = orbit(root, *args)
    assert (status, out) == (2, "")
    assert f"{mine} already exists; not overwritten" in err
    assert mine.read_text(encoding="utf-8") == "# my own notes\n"


def test_suggest_covered_clusters_are_left_out(root: Path) -> None:
    """A curated event naming AM and RU in April 2022 covers the largest cluster."""
    (root / "events" / "covering.toml").write_text(
        'date = "2022-04"\ntitle = "Armenia and Russia"\ncountries = ["AM", "RU"]\n',
        encoding="utf-8",
    )
    status, out, err = orbit(root, "feed", "suggest", "--store", "../store", "--limit", "1")
    assert (status, err) == (0, "")
    assert out.startswith("# ---- 2022-05-by-endorse-ru.toml\n")


def test_suggest_with_no_rows_in_the_period_is_a_no(root: Path) -> None:
    status, out, err = orbit(root, "feed", "suggest", "--store", "../store", "since:2023-01")
    assert (status, out) == (1, "")
    assert err == (
        "orbit: feed gdelt: the store ../store holds no rows of KZ, KG, TJ, UZ, TM, AM, AZ, GE, "
        "BY, MD, UA with another known party from 2023-01-01 on\n"
    )


# -- digest -----------------------------------------------------------------------------------

FEED_ALERT = (
    "feed gdelt: drift index -1.000 in 2022-W13 left the range -0.500..+1.000 of its 7 earlier "
    "weeks (toward, -0.500 past it; away 0, toward 1 of 1 coded rows)"
)


def test_digest_dry_run_shows_a_feed_alert_marked_with_its_origin(root: Path) -> None:
    opt_in(root)
    status, out, err = orbit(root, "digest", "--dry-run", "country:KG", "--format", "json")
    assert (status, err) == (0, "")
    feed = [a for a in json.loads(out)["alerts"] if a["kind"] == "feed"]
    assert [(a["country"], a["rule"], a["subject"], a["origin"], a["why"]) for a in feed] == [
        ("KG", "gdelt", "2022-W13", "feed:gdelt", FEED_ALERT)
    ]
    status, out, err = orbit(root, "digest", "--dry-run", "country:KG")
    assert (status, err) == (0, "")
    assert f"feed gdelt\n  why: {FEED_ALERT}\n" in out


def test_feed_alerts_are_sent_once_and_a_margin_holds_them_back(root: Path, tmp_path: Path) -> None:
    opt_in(root)
    state = str(tmp_path / "state.json")
    status, out, err = orbit(root, "digest", "--state", state, "country:KG")
    assert status == 0 and err.startswith("orbit: first run on ")
    assert "feed gdelt" in out
    assert orbit(root, "digest", "--state", state, "country:KG") == (0, "", "")
    silence = ("silence", "add", "kind:feed rule:gdelt", "--until", "30d", "--reason", "noise")
    status, out, err = orbit(root, *silence)
    assert status == 0, err
    status, out, err = orbit(root, "digest", "--dry-run", "country:KG", "--format", "json")
    document = json.loads(out)
    assert [a for a in document["alerts"] if a["kind"] == "feed"] == []
    assert document["suppressed"]["silenced"] == 1
    (root / "silences.toml").unlink()
    text = (root / "orbit.toml").read_text(encoding="utf-8")
    (root / "orbit.toml").write_text(text.replace("alert = true", "alert = 0.6"))
    status, out, err = orbit(root, "digest", "--dry-run", "country:KG", "--format", "json")
    assert [a for a in json.loads(out)["alerts"] if a["kind"] == "feed"] == []


def test_digest_with_the_store_removed_sends_curated_alerts_and_says_why_once(
    root: Path,
) -> None:
    opt_in(root)
    curated = orbit(root, "digest", "--dry-run", "--format", "json")[1]
    shutil.rmtree(root.parent / "store")
    status, out, err = orbit(root, "digest", "--dry-run", "--format", "json")
    assert status == 2
    assert err == (
        f"{root / 'orbit.toml'}:1:1: error: feed gdelt: the store {root / '..' / 'store'} "
        "does not exist; its alerts are not sent\n"
    )
    sent = json.loads(out)["alerts"]
    assert sent and all(a["origin"] == "timeline" for a in sent)
    assert [a for a in json.loads(curated)["alerts"] if a["origin"] == "timeline"] == sent


def test_a_bad_alert_value_is_a_located_problem(root: Path) -> None:
    opt_in(root, '"often"')
    status, out, err = orbit(root, "check")
    assert status == 1
    assert "[feeds.gdelt] alert must be true, false or a margin from 0 to 2" in err


# -- html -------------------------------------------------------------------------------------


def test_html_draws_the_feed_beside_the_curated_score(root: Path) -> None:
    opt_in(root, "false")
    status, page, err = orbit(root, "render", "--format", "html", "country:KZ")
    assert (status, err) == (0, "")
    assert '<section class="feed-compare"' in page
    assert 'aria-label="KZ: curated drift score and gdelt drift index by month"' in page
    assert page.count('class="disagree"') == 4  # 2022-01, -02, -03 and -05
    assert "curated score" in page and "gdelt drift index" in page  # the legend
    shutil.rmtree(root.parent / "store")
    status, page, err = orbit(root, "render", "--format", "html", "country:KZ")
    assert (status, err) == (0, "")
    assert "feed-compare" not in page


@pytest.mark.parametrize(
    "args",
    [
        ["digest", "--dry-run", "--format", "json"],
        ["render", "--format", "html"],
        ["feed", "compare", "--help"],
        ["feed", "suggest", "--help"],
    ],
)
def test_without_a_feed_opted_in_nothing_loads_duckdb(root: Path, args: list[str]) -> None:
    """The eval timeline configures no feed: its digest and page never open a store."""
    code = (
        "import sys\nfrom orbitwatch.cli import main\n"
        f"try:\n    main(['--root', {str(root)!r}, *{args!r}])\nexcept SystemExit:\n    pass\n"
        "heavy = ('duckdb', 'sqlglot', 'pyspark')\n"
        "print('loaded:' + ','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False
    )
    assert result.stderr.strip().splitlines()[-1] == "loaded:"
