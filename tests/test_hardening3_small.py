"""Hardening III (issue 29), the smaller defects: invisible characters, file names as ids,
stale temporaries, `diff` with a folder, colour precedence, near-duplicate titles, `add --edit`
without a terminal. Real `orbit` processes where the behaviour is a process's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import cron_env, run_process

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
