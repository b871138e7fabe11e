"""Hardening III (issue 29), the smaller defects: invisible characters, file names as ids,
stale temporaries, `diff` with a folder, colour precedence, near-duplicate titles, `add --edit`
without a terminal. Real `orbit` processes where the behaviour is a process's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DIGEST_EVENTS, DIGEST_SETTINGS, cron_env, run_on_pty, run_process

GOOD = 'date = 2022-05-16\ntitle = "ok"\ncountries = ["KZ"]\n'

# -- invisible format characters -----------------------------------------------------------

# Issue 29: these passed `orbit check` (only the renderers escaped them).
FORMAT_CHARS = ["\u200b", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\ufeff", "\u2028",
                "\u2029", "\ufff9", "\ufffa", "\ufffb", "\u206a", "\u206f"]  # fmt: skip


@pytest.mark.parametrize("char", FORMAT_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_check_refuses_invisible_format_characters_with_file_line_and_field(
    write_events: Callable[..., Path], tmp_path: Path, char: str
) -> None:
    summary = f'summary = """\nfirst line\nsecond{char}line"""\n'
    root = write_events({"events/a.toml": f'date = 2022-05-16\ntitle = "a{char}b"\n{summary}'})
    result = run_process("check", cwd=root, env=cron_env(tmp_path))
    code = f"U+{ord(char):04X}"
    assert (result.returncode, result.stdout) == (1, b"")
    assert result.stderr.decode() == (
        f"events/a.toml:2:1: error: 'title' contains an invisible character {code}; remove it\n"
        f"events/a.toml:3:1: error: 'summary' contains an invisible character {code}; "
        "remove it\n"
    )


def test_a_byte_order_mark_at_the_start_is_legal_and_joiners_stay_legal(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events({"events/a.toml": 'date = 2022-05-16\ntitle = "x"\n'})
    text = 'date = 2022-05-16\ntitle = "می\u200cخواهم 👩\u200d💻"\ncountries = ["KZ"]\n'
    (root / "events" / "a.toml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run_process("check", cwd=root, env=cron_env(tmp_path))
    assert (result.returncode, result.stderr) == (0, b"1 event, no problems\n")


def test_every_renderer_escapes_the_invisible_format_characters(
    write_events: Callable[..., Path],
) -> None:
    """Events holding them are refused, so they reach a renderer only from elsewhere (an
    older cache, a future loader): every export format and terminal view escapes them."""
    from orbitwatch.render.exports import RenderInput
    from orbitwatch.render.registry import builtin
    from orbitwatch.render.terminal import event_detail, events_table, make_console
    from orbitwatch.timeline.load import load_timeline

    root = write_events({"events/a.toml": GOOD})
    timeline = load_timeline(root, use_cache=False)
    hidden = "".join(FORMAT_CHARS)
    event = dataclasses.replace(timeline.events[0], title=f"t{hidden}", summary=f"s{hidden}")
    data = RenderInput([event], {}, timeline.settings, dt.date(2022, 5, 31))
    outputs = {name: "".join(renderer(data)) for name, renderer in builtin().items()}
    for name, view in (
        ("table", events_table([event], {}, 1)),
        ("show", event_detail(event, None, "")),
    ):
        buffer = io.StringIO()
        make_console(buffer, color=True, width=200).print(view)
        outputs[name] = buffer.getvalue()
    assert {"md", "html", "json", "csv", "ics", "table", "show"} <= set(outputs)
    for name, out in outputs.items():
        assert [f"U+{ord(c):04X}" for c in hidden if c in out] == [], name
    assert "t\\u200b\\u2060\\u2061" in outputs["table"] and "t\\u200b" in outputs["json"]


# -- file names as ids -----------------------------------------------------------------------

NAMES = {
    "ESC": ("a\x1b[31mred", "a\\x1b[31mred", "the control character U+001B"),
    "RLO": ("b\u202elmth", "b\\u202elmth", "the bidi control U+202E"),
    "ZWSP": ("c\u200bd", "c\\u200bd", "the invisible character U+200B"),
    "NBSP": ("e\u00a0f", "e\u00a0f", "the space U+00A0"),  # seen as a space: shown as it is
}


@pytest.mark.parametrize("case", sorted(NAMES))
def test_a_file_name_that_is_not_plain_never_becomes_an_id(
    write_events: Callable[..., Path], tmp_path: Path, case: str
) -> None:
    name, shown, what = NAMES[case]
    root = write_events({"events/good.toml": GOOD, f"events/{name}.toml": GOOD})
    env = cron_env(tmp_path, PYTHONUTF8="1")
    line = (
        f"events/{shown}.toml:1:1: error: the file name holds {what} and cannot be an id; "
        "rename the file (letters, digits, '.', '_', '-') or pin an id: id = \"...\"\n"
    )
    checked = run_process("check", cwd=root, env=env)
    assert (checked.returncode, checked.stderr.decode()) == (1, line)
    listed = run_process("list", "--format", "ids", cwd=root, env=env)
    assert (listed.returncode, listed.stdout, listed.stderr.decode()) == (2, b"good\n", line)
    (root / "events" / f"{name}.toml").write_text(f'id = "pinned"\n{GOOD}', encoding="utf-8")
    listed = run_process("list", "--format", "ids", cwd=root, env=env)
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, b"good\npinned\n", b"")


def test_a_file_name_the_locale_cannot_decode_is_refused_not_a_crash(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    """Under cron's C locale without UTF-8 mode, U+202E's bytes are not text: the name is
    reported and left unread (it made the index fail with 70)."""
    root = write_events({"events/good.toml": GOOD, "events/b\u202elmth.toml": GOOD})
    for args in (("list", "--format", "ids"), ("list", "--format", "ids")):  # cold, then warm
        listed = run_process(*args, cwd=root, env=cron_env(tmp_path))
        assert (listed.returncode, listed.stdout) == (2, b"good\n"), listed.stderr
        assert listed.stderr.decode() == (
            "events/b\\udce2\\udc80\\udcaelmth.toml:1:1: error: a name that is not text in "
            "this locale's encoding; not read (rename it to ASCII, or run in a UTF-8 locale or "
            "with PYTHONUTF8=1)\n"
        )


# -- temporaries left by a kill -9 -----------------------------------------------------------


def dead_pid() -> int:
    """The number of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_render_output_s_stale_temporary_is_removed_and_said_once(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events({"events/a.toml": GOOD})
    out = tmp_path / "out"
    out.mkdir()
    pid = dead_pid()
    stale = out / f".page.html.{pid}.tmp"
    stale.write_text("<html>half", encoding="utf-8")
    other = out / f".other.html.{pid}.tmp"  # beside another file: not this run's business
    other.write_text("x", encoding="utf-8")
    args = ("--root", str(root), "render", "--format", "html", "-o", "page.html")
    first = run_process(*args, cwd=out, env=cron_env(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stderr.decode() == (
        f".page.html.{pid}.tmp:1:1: warning: leftover temporary file of process {pid}, "
        "which is gone; removed\nwrote page.html\n"
    )
    assert sorted(p.name for p in out.iterdir()) == [f".other.html.{pid}.tmp", "page.html"]
    again = run_process(*args, cwd=out, env=cron_env(tmp_path))
    assert (again.returncode, again.stderr) == (0, b"wrote page.html\n")


def test_silences_stale_temporaries_are_removed_when_their_process_is_gone(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(DIGEST_EVENTS, DIGEST_SETTINGS)
    pid = dead_pid()
    stale = root / f".silences.toml.{pid}.tmp"
    stale.write_text('[[silence]]\nid = "half', encoding="utf-8")
    running = subprocess.Popen(["sleep", "60"])
    alive = root / f".silences.toml.{running.pid}.tmp"
    try:
        alive.write_text("being written", encoding="utf-8")
        add = ("silence", "add", "country:KG", "--until", "30d", "--reason", "r", "--by", "B")
        added = run_process(*add, cwd=root, env=cron_env(tmp_path))
        listed = run_process("silence", "list", "--format", "plain", cwd=root)
    finally:
        running.kill()
        running.wait()
    assert added.returncode == 0, added.stderr
    said = added.stderr.decode().splitlines()
    assert said[:2] == [
        f".silences.toml.{pid}.tmp:1:1: warning: leftover temporary file of process {pid}, "
        "which is gone; removed",
        f".silences.toml.{running.pid}.tmp:1:1: warning: leftover temporary file of process "
        f"{running.pid}, which is still running; not removed",
    ]
    assert not stale.exists() and alive.exists()
    assert listed.returncode == 0 and b"which is gone" not in listed.stderr
    alive.unlink()
    (root / f".silences.toml.{dead_pid()}.tmp").write_text("x", encoding="utf-8")
    state = tmp_path / "state.json"
    digest = run_process("digest", "--state", str(state), cwd=root, env=cron_env(tmp_path))
    assert digest.returncode == 0, digest.stderr
    assert b"which is gone; removed" in digest.stderr
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []


# -- diff: a folder is a folder --------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    identity |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=repo, env={**os.environ, **identity}, check=True)


def two_sides(tmp_path: Path) -> tuple[Path, Path]:
    """(a git timeline whose working tree has events a and d, a folder ../old with only a)."""
    root, old = tmp_path / "tl", tmp_path / "old"
    for folder in (root, old):
        (folder / "events").mkdir(parents=True)
        (folder / "events" / "a.toml").write_text(GOOD, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v1")
    (root / "events" / "d.toml").write_text(GOOD.replace('"ok"', '"new"'), encoding="utf-8")
    return root, old


def test_diff_reads_dot_as_the_folder_it_is(tmp_path: Path) -> None:
    root, _ = two_sides(tmp_path)
    for args in (("../old", "."), ("../old", "./")):
        result = run_process("diff", *args, "--stat", cwd=root, env=cron_env(tmp_path))
        assert (result.returncode, result.stderr) == (1, b""), result.stderr
        assert result.stdout.decode().splitlines()[:2] == [
            f"{args[0]} -> {args[1]}: 1 added",
            "added\t1",
        ]
    back = run_process("diff", ".", "../old", "--stat", cwd=root, env=cron_env(tmp_path))
    assert back.returncode == 1 and back.stdout.startswith(b". -> ../old: 1 removed\n")


def test_a_name_that_is_both_a_folder_and_a_revision_is_the_folder(tmp_path: Path) -> None:
    """Documented in `orbit diff --help`: the folder wins; NAME^{commit} names the revision."""
    root, old = two_sides(tmp_path)
    git(root, "tag", "old")  # the commit holds a only; the folder old/ will hold a, b and c
    for name in ("b", "c"):
        (old / "events" / f"{name}.toml").write_text(GOOD, encoding="utf-8")
    (root / "old").symlink_to(old)  # ./old: a folder beside the tag named old
    env = cron_env(tmp_path)
    folder = run_process("diff", "old", "--stat", cwd=root, env=env)
    assert folder.stdout.decode().splitlines()[0] == "old -> working tree: 1 added, 2 removed"
    tag = run_process("diff", "old^{commit}", "--stat", cwd=root, env=env)
    assert tag.stdout.decode().splitlines()[0] == "old^{commit} -> working tree: 1 added"


# -- colour: --color/--no-color, then NO_COLOR, then FORCE_COLOR, then the terminal ---------

COLOUR_CASES = {  # (global options, environment) -> whether escapes reach the pipe
    "plain pipe": ((), {}, False),
    "FORCE_COLOR": ((), {"FORCE_COLOR": "1"}, True),
    "NO_COLOR": ((), {"NO_COLOR": "1"}, False),
    "NO_COLOR beats FORCE_COLOR": ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
    "empty NO_COLOR is unset": ((), {"NO_COLOR": "", "FORCE_COLOR": "1"}, True),
    "--color beats NO_COLOR": (("--color",), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True),
    "--no-color beats FORCE_COLOR": (("--no-color",), {"FORCE_COLOR": "1"}, False),
}


@pytest.mark.parametrize("case", sorted(COLOUR_CASES))
def test_colour_precedence_through_a_real_pipe(
    write_events: Callable[..., Path], tmp_path: Path, case: str
) -> None:
    root = write_events({"events/a.toml": GOOD})
    options, extra, coloured = COLOUR_CASES[case]
    env = {k: v for k, v in cron_env(tmp_path).items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    for command in (("list", "--format", "table"), ("show", "a")):
        result = run_process(*options, *command, cwd=root, env={**env, **extra})
        assert result.returncode == 0, result.stderr
        assert (b"\x1b[" in result.stdout) is coloured, (command, result.stdout)
        assert b"ok" in result.stdout


# -- near-duplicate titles: opposite verbs are two events ------------------------------------

OPPOSITE_TITLES = [
    ("Kyrgyzstan quits the CSTO joint exercise", "Kyrgyzstan joins the CSTO joint exercise"),
    ("Kazakhstan lifts the ban on grain exports", "Kazakhstan imposes the ban on grain exports"),
    ("Tajikistan opens the border crossing at Panj", "Tajikistan closes the border crossing at Panj"),
    ("Armenia will join the summit in Moscow", "Armenia will not join the summit in Moscow"),
    ("Uzbekistan confirmed the gas deal with China", "Uzbekistan denied the gas deal with China"),
    ("Russia resuming flights to Tashkent airport", "Russia suspending flights to Tashkent airport"),
]  # fmt: skip


@pytest.mark.parametrize("pair", OPPOSITE_TITLES, ids=lambda p: p[0].split()[1])
@pytest.mark.parametrize("order", ["first-second", "second-first"])
def test_titles_with_opposite_verbs_are_not_near_duplicates(
    write_events: Callable[..., Path], tmp_path: Path, pair: tuple[str, str], order: str
) -> None:
    first, second = pair if order == "first-second" else pair[::-1]
    root = write_events({"events/a.toml": f'date = 2022-05-16\ntitle = "{first}"\n'})
    env = cron_env(tmp_path)
    added = run_process("add", "--date", "2022-05-16", "--title", second, cwd=root, env=env)
    assert added.returncode == 0, added.stderr
    assert len(list((root / "events").rglob("*.toml"))) == 2
    same = run_process("add", "--date", "2022-05-16", "--title", second + "!", cwd=root, env=env)
    assert same.returncode == 2 and b"not written: a duplicate of" in same.stderr


def test_import_keeps_opposite_titles_and_skips_a_real_near_duplicate(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events(
        {"events/a.toml": 'date = 2022-05-16\ntitle = "Kyrgyzstan quits the CSTO exercise"\n'}
    )
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "date,title\n2022-05-16,Kyrgyzstan joins the CSTO exercise\n"
        "2022-05-16,Kyrgyzstan quits the CSTO exercise.\n",
        encoding="utf-8",
    )
    result = run_process("import", str(rows), cwd=root, env=cron_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert b"imported 1 event, skipped 1 duplicate" in result.stdout + result.stderr


# -- add --edit needs a terminal ---------------------------------------------------------------


def test_add_edit_without_a_terminal_is_2_and_writes_nothing(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    """The editor would wait forever on a pipe or /dev/null; refused before anything is written
    (with an editor that would hang, so a regression shows as a timeout)."""
    root = write_events({"events/a.toml": GOOD})
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nexec sleep 600\n", encoding="utf-8")
    hang.chmod(0o755)
    env = cron_env(tmp_path, VISUAL=str(hang))
    args = ("add", "--date", "2022-05-20", "--title", "Draft", "--edit")
    message = (
        b"orbit: error: --edit opens an editor, which needs a terminal on stdin and stdout; "
        b"this run has none\n\nAdd the event without --edit, then edit the file it names.\n"
    )
    for stdin in (subprocess.DEVNULL, subprocess.PIPE):
        result = run_process(*args, cwd=root, env=env, stdin=stdin, timeout=20)
        assert (result.returncode, result.stdout, result.stderr) == (2, b"", message)
    on_pty_in_only, _ = run_on_pty_stdin_only(args, root, env)
    assert (on_pty_in_only.returncode, on_pty_in_only.stderr) == (2, message)
    assert sorted(p.name for p in (root / "events").rglob("*.toml")) == ["a.toml"]
    dry = run_process(*args, "--dry-run", cwd=root, env=env)
    assert dry.returncode == 0 and dry.stdout.startswith(b"# events/2022/2022-05-20-draft.toml")


def run_on_pty_stdin_only(
    args: tuple[str, ...], root: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[bytes], None]:
    import pty

    main, child = pty.openpty()
    try:
        return run_process(*args, cwd=root, env=env, stdin=child, timeout=20), None
    finally:
        os.close(child)
        os.close(main)


def test_add_edit_on_a_terminal_runs_the_editor(
    write_events: Callable[..., Path], tmp_path: Path
) -> None:
    root = write_events({"events/a.toml": GOOD})
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i \'s/^title = .*/title = "Edited"/\' "$1"\n')
    editor.chmod(0o755)
    env = cron_env(tmp_path, VISUAL=str(editor))
    result, shown = run_on_pty(
        "add", "--date", "2022-05-20", "--title", "Draft", "--edit", cwd=root, env=env
    )
    assert result.returncode == 0, result.stderr
    written = root / "events" / "2022" / "2022-05-20-draft.toml"
    assert 'title = "Edited"' in written.read_text(encoding="utf-8")
    assert b"2022-05-20-draft.toml (id 2022-05-20-draft)" in shown
