"""`check` through the index (issue 31): the rows the worker processes make are the rows the
parent makes, and `check` answers the same cold (workers or serial), warm and without the
cache, on a timeline with every kind of problem, though through the index it builds only the
events with acts. And the checks' fast paths agree with the full checks they skip."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

import pytest

from orbitwatch.text.chars import (
    BIDI,
    C0,
    DEL_C1,
    FORMAT,
    INVISIBLE,
    REFUSED_MULTILINE,
    SELECTORS,
    SURROGATES,
    not_plain,
)
from orbitwatch.text.tomlpos import first_content_line, refused_anywhere
from tests.conftest import run_process

SETTINGS = """
[signals]
pole = "RU"
counterweights = ["CN", "US", "TR"]

[blocs.CSTO]
name = "Collective Security Treaty Organization"
led_by = "RU"
"""

# Made-up events. Acts that cancel for UZ (a warning), pulling one way (no warning).
CANCELLING = """date = 2021-01-05
title = "A made-up minister rules out a bloc and praises a neighbour"
countries = ["UZ", "RU"]

[[acts]]
by = "UZ"
act = "reject"
to = "CSTO"

[[acts]]
by = "UZ"
act = "intend"
to = "RU"
"""
ONE_WAY = """date = 2021-02-01
title = "A made-up refusal"
countries = ["UZ"]

[[acts]]
by = "UZ"
act = "reject"
to = "CSTO"
"""
PLAIN = 'date = 2021-03-{day:02d}\ntitle = "A made-up event {day}"\ncountries = ["KZ"]\n'
FILES: dict[str, str | bytes] = {
    **{f"events/2021/plain-{day:02d}.toml": PLAIN.format(day=day) for day in range(1, 13)},
    "events/2021/uz-cancel.toml": CANCELLING,
    "events/2021/uz-one-way.toml": ONE_WAY,
    # duplicate ids: a twin with acts of an event with acts, and a plain twin of a plain event
    "events/2022/uz-cancel-again.toml": 'id = "uz-cancel"\n' + CANCELLING,
    "events/2022/plain-twin.toml": PLAIN.format(day=1) + 'id = "plain-01"\n',
    # a cancelling event whose id is taken by an earlier plain file: it is the twin, dropped
    "events/2023/z-taken.toml": 'id = "plain-02"\n' + CANCELLING,
    # every other kind of problem
    "events/2021/unknown-key.toml": 'date = 2021-01-01\ntitel = "x"\ntitle = "y"\n',
    "events/2021/no-title.toml": "date = 2021-01-01\n",
    "events/2021/bad-date.toml": 'date = "16/05/2021"\ntitle = "x"\n',
    "events/2021/bad-country.toml": 'date = 2021-01-01\ntitle = "x"\ncountries = ["ZY"]\n',
    "events/2021/bad-status.toml": 'date = 2021-01-01\ntitle = "x"\nstatus = "maybe"\n',
    "events/2021/bad-act.toml": ONE_WAY.replace('act = "reject"', 'act = "rejects"'),
    "events/2021/control.toml": 'date = 2021-01-01\ntitle = "a\\u001bb"\n',
    "events/2021/bad-toml.toml": 'date = 2021-01-01\ntitle = "x\n',
    "events/2021/latin1.toml": b'date = 2021-01-01\ntitle = "Caf\xe9"\n',
    "events/2021/odd\u00a0name.toml": 'date = 2021-01-01\ntitle = "x"\n',
    "events/2021/huge.toml": 'date = 2021-01-01\ntitle = "x"\nwarn = [99999999999999999999]\n',
}


def make(root: Path, racy: str = "") -> Path:
    (root / "orbit.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "orbit.toml").write_text(SETTINGS, encoding="utf-8")
    old = time.time() - 60  # older than the index's racy window: their rows are stored
    for name, body in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
        if name != racy:  # a file edited just now is parsed but not stored
            os.utime(path, (old, old))
    return root


def check(root: Path, *args: str, threshold: str = "100000", cache: str = "") -> tuple:
    env = {**os.environ, "ORBIT_POOL_THRESHOLD": threshold}
    if cache:
        env["XDG_CACHE_HOME"] = cache
    done = run_process("--root", str(root), "check", *args, env=env)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("racy", ["", "events/2021/uz-one-way.toml", "events/2021/plain-03.toml"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_answers_the_same_cold_warm_and_without_the_cache(
    tmp_path: Path, racy: str, fmt: str
) -> None:
    root = make(tmp_path / "t", racy)
    args = ("--format", fmt)
    want = check(root, "--no-cache", *args)
    assert want[0] == 1 and b"duplicate id 'uz-cancel'" in want[1] + want[2]
    assert b"the acts cancel for UZ" in want[1] + want[2]
    for threshold in ("1", "100000"):  # worker processes, then serial
        cache = str(tmp_path / f"cache-{threshold}")
        assert check(root, *args, threshold=threshold, cache=cache) == want  # cold
        assert check(root, *args, threshold=threshold, cache=cache) == want  # warm
    # and with no problem but warnings, the count of events line
    for name in [n for n in FILES if not n.startswith("events/2021/plain")]:
        if name not in ("events/2021/uz-cancel.toml", "events/2021/uz-one-way.toml"):
            (root / name).unlink()
    clean = check(root, "--no-cache", *args)
    assert clean[0] == 0
    if fmt == "text":
        assert clean[2].endswith(b"14 events, no problems (1 warning)\n")
    assert check(root, *args, threshold="1", cache=str(tmp_path / "c2")) == clean
    assert check(root, *args, threshold="1", cache=str(tmp_path / "c2")) == clean


def rows(cache: Path) -> list[tuple[object, ...]]:
    (found,) = list((cache / "orbitwatch" / "index").glob("*.sqlite"))
    db = sqlite3.connect(found)
    try:
        return db.execute("SELECT * FROM events ORDER BY path").fetchall()
    finally:
        db.close()


def test_the_rows_made_in_workers_are_the_rows_made_in_the_parent(tmp_path: Path) -> None:
    root = make(tmp_path / "t")
    check(root, threshold="1", cache=str(tmp_path / "workers"))
    check(root, threshold="100000", cache=str(tmp_path / "serial"))
    made = rows(tmp_path / "workers")
    assert len(made) == len(FILES)
    assert made == rows(tmp_path / "serial")
    # and what `list` builds from them is what it reads from the files
    for command in (("list", "--format", "json"), ("signals", "--as-of", "2021-12-31")):
        env = {**os.environ, "ORBIT_POOL_THRESHOLD": "1", "XDG_CACHE_HOME": str(tmp_path / "l")}
        cold = run_process("--root", str(root), *command, env=env)
        bare = run_process("--root", str(root), "--no-cache", *command, env=env)
        assert (cold.returncode, cold.stdout) == (bare.returncode, bare.stdout)


# -- the fast paths against what they skip ---------------------------------------------------

SAMPLES = [chr(c) for c in range(128)] + list(
    "\u0085\u00a0\u00ad\u00e9\u2028\u200b\u200d\u202e\u2066\ufeff\ufe0f\U000e0001\U0001f600"
)


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            return number
    return 1


def _not_plain_char(name: str) -> str:
    found = re.search(f"[{C0}{DEL_C1}{BIDI}{FORMAT}{INVISIBLE}{SELECTORS}{SURROGATES}]", name)
    if found:
        return found.group(0)
    return next((c for c in name if not c.isprintable()), "")


@pytest.mark.parametrize("char", SAMPLES, ids=[f"U+{ord(c):04X}" for c in SAMPLES])
def test_the_fast_paths_agree_with_the_full_checks(char: str) -> None:
    for text in (f"a{char}b", f'title = "x{char}"\n', char):
        assert refused_anywhere(text) == (re.search(REFUSED_MULTILINE, text) is not None)
    for text in (f"{char}a = 1\n", f"{char}\n# c\nb = 2\n", f"{char}# x\n\nc = 3\n"):
        assert first_content_line(text) == _first_content_line(text), repr(text)
    name = f"2021-01-01-{char}-name"
    assert bool(not_plain(name)) == bool(_not_plain_char(name)), repr(name)
    if not_plain(name):
        assert f"U+{ord(_not_plain_char(name)):04X}" in not_plain(name)
