"""Issue 16, what a newcomer trips over: each item with the test that would have caught it.

Signal views that do not mislead, layout at fixed widths, the pager, mail, helpful errors.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import drain, run, run_on_pty, run_process, write_files


def plain_scores(output: str) -> dict[str, str]:
    """country -> score from `orbit signals --format plain`."""
    return {line.split("\t")[0]: line.split("\t")[2] for line in output.splitlines()}


# Signals that do not mislead


def test_country_terms_choose_countries_with_their_real_scores(example: Path) -> None:
    every = plain_scores(run("signals", "--format", "plain", root=example).stdout)
    only_kz = run("signals", "--format", "plain", "country:KZ", root=example)
    assert only_kz.exit_code == 0 and only_kz.stderr == ""
    assert plain_scores(only_kz.stdout) == {"KZ": every["KZ"]}
    # --country means the same, with or without --monthly
    flag = run("signals", "--format", "plain", "--country", "kazakhstan", root=example)
    assert plain_scores(flag.stdout) == {"KZ": every["KZ"]}
    monthly = run("signals", "--monthly", "--format", "plain", "--country", "KG", root=example)
    assert {line.split("\t")[1] for line in monthly.stdout.splitlines()} == {"KG"}


def test_other_terms_restrict_the_events_scored_and_say_so(example: Path) -> None:
    result = run("signals", "--format", "plain", "tag:drones", root=example)
    assert result.stderr == "note: scores from events matching tag:drones only\n"
    every = plain_scores(run("signals", "--format", "plain", root=example).stdout)
    assert plain_scores(result.stdout)["KG"] != every["KG"]


def test_alerts_and_digest_choose_the_same_countries(example: Path, tmp_path: Path) -> None:
    alerts = run("alerts", "--format", "json", "country:KZ", root=example)
    assert alerts.exit_code == 0
    assert set(re.findall(r'"country": "(\w+)"', alerts.stdout)) == {"KZ"}
    state = str(tmp_path / "state.json")
    digest = run("digest", "--state", state, "--format", "json", "country:KZ", root=example)
    assert set(re.findall(r'"country": "(\w+)"', digest.stdout)) == {"KZ"}


class Svg(HTMLParser):
    """The charts of the html page: per figure, tick values, level lines and the score path."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.in_title = False
        self.figures: list[dict[str, list[str]]] = []
        self.empty = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "title" and not self.figures:  # the page's title, not a marker's tooltip
            self.in_title = True
        if tag == "svg" and found.get("class") != "swatch":  # the legend's swatches aside
            self.figures.append({"ticks": [], "levels": [], "lines": []})
        if tag == "g" and found.get("class") == "tick":
            self.figures[-1]["ticks"].append(found["data-value"] or "")
        if tag == "g" and found.get("class") == "level":
            self.figures[-1]["levels"].append(f"{found['data-level']} {found['data-score']}")
        if tag == "line" and self.figures:
            self.figures[-1]["lines"].append(f"{found['y1']}")
        if tag == "p" and found.get("class") == "empty":
            self.empty = True

    def handle_endtag(self, tag: str) -> None:
        self.in_title = self.in_title and tag != "title"

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


def html_page(root: Path, *terms: str) -> Svg:
    result = run("render", "--format", "html", *terms, root=root)
    assert result.exit_code == 0, result.stderr
    parser = Svg()
    parser.feed(result.stdout)
    return parser


def test_html_charts_share_one_scale_with_ticks_and_level_lines(example: Path) -> None:
    page = html_page(example)
    assert len(page.figures) == 7
    scales = {tuple(f["ticks"]) for f in page.figures}
    assert len(scales) == 1  # one vertical scale for every country
    (ticks,) = scales
    assert len(ticks) >= 3 and "0" in ticks
    levels = {tuple(f["levels"]) for f in page.figures}
    assert levels == {("watch 3", "warning 6", "alarm 10")}
    assert page.title == "orbitwatch timeline"


def test_html_query_in_title_real_scores_and_no_events_state(example: Path) -> None:
    every = plain_scores(run("signals", "--format", "plain", root=example).stdout)
    page = run("render", "--format", "html", "country:KZ", root=example).stdout
    assert "<title>orbitwatch timeline · country:KZ</title>" in page
    assert re.findall(r"<figcaption>(\w+) ", page) == ["KZ"]
    assert f">{every['KZ']}</text></svg>" in page  # the real score, not a Kazakh-only one
    empty = html_page(example, "country:ZW")
    assert empty.empty and empty.figures == []


def test_one_arrow_vocabulary_in_every_view(example: Path) -> None:
    views = {
        "list": run("list", "--format", "table", root=example).stdout,
        "show": run("show", "2022-05-kazakhstan-eaeu-exit-rumours-denied", root=example).stdout,
        "timeline": run("timeline", root=example).stdout,
        "monthly": run("signals", "--monthly", "--format", "plain", root=example).stdout,
    }
    for name, text in views.items():
        assert not set("→←↗↙") & set(text), name  # no arrow means two things
    assert "▲ away" in views["list"] and "▼ toward" in views["list"]
    assert "◆ mixed" in views["list"] or "◆" in views["timeline"]
    assert "▲ away" in views["show"]
    assert "▲" in views["timeline"] and "▼" in views["timeline"]
    assert "▲ away" in views["monthly"] and "─ steady" in views["monthly"]


def test_alerts_say_what_is_history(example: Path) -> None:
    result = run("alerts", "--format", "table", "country:KZ", env={"ORBIT_TODAY": "2023-03-01"},
                 root=example)  # fmt: skip
    assert result.stdout.splitlines()[-1] == (
        "level: the country's level on the alert's date; on 2023-03-01: KZ none. "
        "Alerts of a country whose level has fallen since are history."
    )


def test_level_down_names_its_cause_with_enough_digits(example: Path) -> None:
    result = run("alerts", "--format", "plain", "country:KG", env={"ORBIT_TODAY": "2023-03-01"},
                 root=example)  # fmt: skip
    downs = [line.split("\t") for line in result.stdout.splitlines() if "\tlevel-down\t" in line]
    assert downs[0][4].startswith("episode opened by 2022-05-turkey-bayraktar-tb2-kyrgyzstan")
    assert downs[0][5] == (
        "score 2.9998 fell below level watch (3): decay, no new away reading since 2022-05-09"
    )
    assert all(not re.search(r"score (3|6|10)\.0+ fell", row[5]) for row in downs)


def test_first_run_says_it_sent_the_history_and_mail_has_from(
    example: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = run("digest", "--state", str(state), root=example)
    assert first.exit_code == 0
    assert first.stderr.startswith(f"orbit: first run on {state}: sent every alert in force")
    assert first.stderr.endswith("orbit digest --state FILE --baseline\n")
    assert first.stdout.splitlines()[0].endswith(", top level then alarm, top level now alarm")
    again = run("digest", "--state", str(state), root=example)
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    mail = run("digest", "--format", "email", "--mail-to", "a@example.org", "--mail-from",
               "desk@example.org", root=example)  # fmt: skip
    assert "\nFrom: desk@example.org\n" in "\n" + mail.stdout


def test_digest_help_says_a_pipe_is_not_delivery() -> None:
    text = " ".join(run("digest", "--help").stdout.split())
    assert "'orbit digest | head' records the alerts as sent" in text
    assert "--deliver-cmd, or redirect to a file (> FILE), never a pipe" in text


# Errors that help


def test_render_without_format_names_the_formats_and_infers_from_suffix(
    example: Path, tmp_path: Path
) -> None:
    bare = run("render", root=example)
    assert bare.exit_code == 2 and "\\n" not in bare.stderr and "\\t" not in bare.stderr
    assert bare.stderr.startswith(
        "orbit: error: --format cannot be guessed without -o FILE; choose one of: md, html, json,"
    )
    target = tmp_path / "report.html"
    made = run("render", "-o", str(target), root=example)
    assert made.exit_code == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    odd = run("render", "-o", str(tmp_path / "report.txt"), root=example)
    assert odd.exit_code == 2 and "from the suffix of" in odd.stderr


def test_show_takes_a_unique_prefix_or_substring(example: Path) -> None:
    one = run("show", "csto", root=example)
    assert one.exit_code == 0 and "2022-05-16-csto-summit-moscow" in one.stdout
    several = run("show", "drones", root=example)
    assert several.exit_code == 2
    assert several.stderr == (
        "orbit: error: 'drones' matches 2 event ids; give more of one:\n"
        "  2022-05-turkey-combat-drones-tajikistan\n"
        "  2022-05-turkey-kazakhstan-anka-drones\n"
    )


def test_countries_get_did_you_mean_in_queries_and_add(example: Path) -> None:
    query = run("list", "country:Kazakstan", root=example)
    assert query.exit_code == 2
    assert "(did you mean 'Kazakhstan' (KZ)?)" in query.stderr
    add = run("add", "--date", "2022-05-20", "--title", "T", "--country", "Kyrgystan",
              root=example)  # fmt: skip
    assert add.exit_code == 2 and "(did you mean 'Kyrgyzstan' (KG)?)" in add.stderr


def test_unknown_tags_warn_and_written_spans_suggest_the_short_form(example: Path) -> None:
    tag = run("list", "tag:drone", root=example)
    assert (tag.exit_code, tag.stdout) == (0, "")
    assert tag.stderr == "orbit: warning: no event has tag 'drone' (did you mean 'drones'?)\n"
    since = run("list", "since:3 weeks", root=example)
    assert since.exit_code == 2 and since.stderr.endswith("; for '3 weeks' write 3w\n")


def test_counts_are_english(write_events: Callable[..., Path]) -> None:
    root = write_events({"events/a.toml": 'date = 2022-05-01\ntitle = "A"\n'})
    assert run("check", root=root).stderr == "1 event, no problems\n"


# The pager


def run_on_terminal(
    args: list[str],
    env: dict[str, str],
    rows: int = 10,
    typed: bytes = b"",
    columns: int = 100,
    status: int = 0,
) -> str:
    """The installed orbit with stdout on a pseudo-terminal of `rows` x `columns` (stdin too
    when something is `typed`); what it showed."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    try:
        if typed:
            os.write(main, typed)
        stdin = child if typed else subprocess.DEVNULL
        result = run_process(*args, env=env, stdin=stdin, stdout=child, stderr=subprocess.PIPE)
        os.close(child)
        child = -1
        shown = drain(main)
    finally:
        if child >= 0:
            os.close(child)
        os.close(main)
    assert result.returncode == status, result.stderr
    return shown.decode("utf-8", "replace")


def pager_env(example: Path, tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose $PAGER records what it was given in a file."""
    import os
    import sys

    record = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(
        "import sys, pathlib\n"
        f"pathlib.Path({str(record)!r}).write_bytes(sys.stdin.buffer.read())\n",
        encoding="utf-8",
    )
    env = dict(os.environ, ORBIT_ROOT=str(example), PAGER=f"{sys.executable} {script}")
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env, record


def test_tall_terminal_output_goes_through_the_pager(example: Path, tmp_path: Path) -> None:
    env, record = pager_env(example, tmp_path)
    run_on_terminal(["list"], env)
    paged = record.read_text(encoding="utf-8")
    assert "2022-05-16-csto-summit-moscow" in paged and "date" in paged.splitlines()[0]
    record.unlink()
    short = run_on_terminal(["show", "2022-05-16-csto-summit-moscow"], env, rows=200)
    assert not record.exists() and "CSTO summit in Moscow" in short  # fits: no pager
    shown = run_on_terminal(["--no-pager", "list"], env)
    assert not record.exists() and "2022-05-16-csto-summit-moscow" in shown


def test_the_pager_is_never_used_when_piped(example: Path, tmp_path: Path) -> None:
    env, record = pager_env(example, tmp_path)
    piped = run_process("list", env=dict(env, LINES="5"))
    assert piped.returncode == 0 and b"2022-05-16-csto-summit-moscow" in piped.stdout
    assert not record.exists()


def test_global_options_after_the_command_and_color_beats_no_color(example: Path) -> None:
    after = run("list", "--color", "--format", "table", "--root", str(example), "country:KZ",
                env={"NO_COLOR": "1"})  # fmt: skip
    assert after.exit_code == 0, after.stderr
    assert "\x1b[" in after.stdout  # an explicit --color beats NO_COLOR
    plain = run("list", "--no-color", "--format", "table", "country:KZ", root=example)
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout
    assert run("list", "--no-pager", "--no-cache", "country:KZ", root=example).exit_code == 0
    quoted = run("list", "--", "--color", root=example)  # after --, a term like any other
    assert quoted.exit_code == 0 and quoted.stdout == ""


# Layout at fixed widths


def test_numbers_never_truncate_at_60_columns(example: Path) -> None:
    plain = plain_scores(run("signals", "--format", "plain", root=example).stdout)
    for width in ("60", "100"):
        table = run("signals", "--format", "table", root=example, env={"COLUMNS": width})
        lines = table.stdout.splitlines()
        assert all(len(line.rstrip()) <= int(width) for line in lines if line[:2] in plain)
        rows = {line.split()[0]: line.split() for line in lines[1:] if line[:2] in plain}
        score, level = lines[0].split().index("score"), lines[0].split().index("level")
        assert {code: row[score] for code, row in rows.items()} == plain  # score whole
        assert rows["TJ"][level] == "alarm" and rows["KZ"][level] == "warning"


def test_alert_ids_are_never_broken(example: Path) -> None:
    plain = run("alerts", "--format", "plain", root=example).stdout
    ids = {line.split("\t")[4].split(":")[0].split()[-1] for line in plain.splitlines()}
    for width in ("60", "100", "160"):
        shown = run("alerts", "--format", "table", root=example, env={"COLUMNS": width}).stdout
        words = {word for line in shown.splitlines() for word in line.split()}
        assert ids <= words, (width, ids - words)


def test_show_gives_sources_a_hanging_indent(example: Path) -> None:
    shown = run("show", "2022-05-16-csto-summit-moscow", root=example, env={"COLUMNS": "60"})
    lines = shown.stdout.splitlines()
    start = lines.index("sources")
    assert lines[start + 1].startswith("  - Russia's Central Asian allies")
    assert lines[start + 2].startswith("    ") and lines[start + 2].strip()


def test_since_means_since_term_in_alerts_as_in_list(example: Path) -> None:
    env = {"ORBIT_TODAY": "2023-03-01"}
    sugar = run("alerts", "--format", "plain", "--since", "2022-05", root=example, env=env)
    term = run("alerts", "--format", "plain", "since:2022-05", root=example, env=env)
    assert sugar.stdout == term.stdout and sugar.stdout
    # level-downs of December 2022 belong to May events: --since keeps them, --raised-since not
    assert "\tlevel-down\t" in sugar.stdout
    raised = run("alerts", "--format", "plain", "--raised-since", "2022-12", root=example, env=env)
    assert {line.split("\t")[0][:7] for line in raised.stdout.splitlines()} == {"2022-12"}


# Authoring


def test_add_names_options_and_suggests_statuses(example: Path) -> None:
    status = run("add", "--date", "2022-05-20", "--title", "T", "--status", "rumoured",
                 root=example)  # fmt: skip
    assert (status.exit_code, status.stdout) == (2, "")
    assert status.stderr == (
        "orbit: error: unknown status 'rumoured' (did you mean 'rumored'?)\n\n"
        "statuses: occurred, scheduled, reported, rumored, denied\n"
    )
    stance = run("add", "--date", "2022-05-20", "--title", "T", "--stance", "awya",
                 "--weight", "1", root=example)  # fmt: skip
    assert (stance.exit_code, stance.stderr) == (
        2,
        "orbit: error: unknown stance 'awya' (did you mean 'away'?)\n\nstances: away, toward, neutral\n",
    )
    upper = run("add", "--date", "2022-05-20", "--title", "T", "--country", "KZ", "--stance",
                "AWAY", "--weight", "1", "--dry-run", root=example)  # fmt: skip
    assert upper.exit_code == 0 and 'stance = "away"' in upper.stdout
    bad = run("add", "--date", "2022-05-20", "--title", "T", "--country", "KZ", "--source-url",
              "ftp://x", root=example)  # fmt: skip
    assert bad.exit_code == 2
    assert bad.stderr == (
        "orbit: error: not written: 1 problem in the new event:\n"
        "  --source-url: source url 'ftp://x' must start with http:// or https://\n"
    )


def test_a_missing_editor_leaves_nothing_behind(example: Path) -> None:
    before = sorted(example.rglob("*.toml"))
    import os

    env = dict(os.environ, VISUAL="", EDITOR="/no/such/editor")
    result, _ = run_on_pty("--root", str(example), "add", "--date", "2022-05-20", "--title",
                           "Editor test", "--country", "KZ", "--edit", env=env)  # fmt: skip
    assert result.returncode == 2
    assert b"cannot run the editor '/no/such/editor'" in result.stderr
    assert sorted(example.rglob("*.toml")) == before


def test_add_on_a_terminal_speaks_words_and_offers_to_edit_again(
    example: Path, tmp_path: Path
) -> None:
    import os
    import sys

    env = dict(os.environ, ORBIT_ROOT=str(example))
    shown = run_on_terminal(["add", "--date", "2022-05-20", "--title", "Words", "--country", "KZ"],
                            env, rows=50)  # fmt: skip
    assert "/events/2022/2022-05-20-words.toml (id 2022-05-20-words); check it with" in shown
    # an editor that breaks the file the first time and mends it the second
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        f"count = pathlib.Path({str(tmp_path / 'count')!r})\n"
        "n = int(count.read_text()) if count.exists() else 0\n"
        "count.write_text(str(n + 1))\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "text = p.read_text()\n"
        "p.write_text(text + 'oops = 1\\n' if n == 0 else text.replace('oops = 1\\n', ''))\n",
        encoding="utf-8",
    )
    env["VISUAL"] = f"{sys.executable} {editor}"
    shown = run_on_terminal(["add", "--date", "2022-05-21", "--title", "Edited", "--country",
                             "KZ", "--edit"], env, rows=50, typed=b"y\n")  # fmt: skip
    assert (tmp_path / "count").read_text() == "2"  # asked, answered y, edited again
    assert "2022-05-21-edited.toml (id 2022-05-21-edited)" in shown


def test_init_says_what_it_copied_and_what_next(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "demo"))
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[1:4] == [
        "  orbit.toml   settings and signal rules",
        "  events/      18 event files",
        "  .gitignore   keeps orbit's temporary files out of git",
    ]
    assert "  git init && git add . && git commit -m 'New timeline'" in lines


def test_timelinejs_groups_by_reading_with_sources_and_a_title_slide(example: Path) -> None:
    import json

    document = json.loads(run("render", "--format", "timelinejs", root=example).stdout)
    assert document["title"]["text"]["text"].startswith("18 events, 2019 to ")
    groups = {e["group"] for e in document["events"]}
    assert groups <= {
        "away from Russian Federation", "toward Russian Federation", "neutral",
        "mixed readings", "no reading",
    } and len(groups) >= 3  # fmt: skip
    csto = next(e for e in document["events"] if e["unique_id"] == "2022-05-16-csto-summit-moscow")
    assert "<br>Sources: " in csto["text"]["text"] and "(Asia Times)" in csto["text"]["text"]
    tj = next(
        e for e in document["events"] if e["unique_id"].endswith("us-security-aid-tajikistan")
    )
    assert "<br>Reading: " in tj["text"]["text"] and "away (weight 4" in tj["text"]["text"]


def test_diff_blames_only_changes_that_moved_the_score(example: Path, tmp_path: Path) -> None:
    import datetime as dt
    import shutil

    from orbitwatch.diff.compare import diff_timelines
    from orbitwatch.timeline.load import load_timeline

    new = tmp_path / "new"
    shutil.copytree(example, new)
    events = new / "events"
    renamed = next(events.rglob("2021-08-kazakhstan-language-patrols.toml"))
    renamed.rename(renamed.with_name("2021-08-kz-language-patrols.toml"))  # a pure rename
    next(events.rglob("2022-05-turkey-kazakhstan-anka-drones.toml")).unlink()  # moves KZ
    old_t, new_t = load_timeline(example), load_timeline(new)
    found = diff_timelines(old_t.events, old_t.settings, new_t.events, new_t.settings,
                           dt.date(2022, 5, 31))  # fmt: skip
    assert {c.kind for c in found.events} == {"renamed", "removed"}
    kz = next(i for i in found.impact if i.country == "KZ")
    assert kz.causes == ("2022-05-turkey-kazakhstan-anka-drones",)


def test_diff_fits_the_terminal_and_piped_lines_stay_whole(tmp_path: Path) -> None:
    import os

    title = "A made-up event whose title runs well past sixty columns of a narrow terminal"
    old = write_files(tmp_path / "old", {"events/a.toml": f"""
        date = 2023-03-01
        title = "{title}"
        countries = ["KZ"]
        summary = "Old words."
        """})  # fmt: skip
    new = write_files(tmp_path / "new", {"events/a.toml": f"""
        date = 2023-03-01
        title = "{title}"
        countries = ["KZ", "KG"]
        summary = "New words, longer than the old ones, that a sixty-column terminal must fold."
        """})  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    args = ["--no-pager", "--root", str(new), "diff", str(old), str(new)]
    shown = run_on_terminal(args, env, rows=40, columns=60, status=1).replace("\r\n", "\n")
    lines = shown.splitlines()
    assert lines[lines.index("      countries: +KG") - 4 :] == [
        "~ changed  a  2023-03-01  A made-up event whose title runs",
        "           well past sixty columns of a narrow terminal",
        "      summary: Old words. -> New words, longer than the old",
        "          ones, that a sixty-column terminal must fold.",
        "      countries: +KG",
    ]
    # Only a word wider than the terminal (here the folders' paths) may overflow it.
    assert all(len(line) <= 60 for line in lines if str(tmp_path) not in line)
    piped = run_process(*args, env=env)
    assert piped.returncode == 1
    assert piped.stdout.decode().splitlines()[1] == f"~ changed  a  2023-03-01  {title}"


def test_explain_never_breaks_a_word_on_a_narrow_terminal(example: Path) -> None:
    # Every word of the 60-column cards is a word of the same cards drawn wide: a word split
    # across lines ("warni / ng") would show up as two words the wide output does not have.
    args = ("signals", "--explain", "TJ", "--as-of", "2022-05-31", "--format", "table")
    wide = run(*args, root=example, env={"COLUMNS": "400"}).stdout
    for width in ("60", "72"):
        narrow = run(*args, root=example, env={"COLUMNS": width}).stdout
        assert narrow and set(narrow.split()) <= set(wide.split()), width
