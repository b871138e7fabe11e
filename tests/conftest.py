"""Shared fixtures: a hermetic environment, event files written from the test, and runners.

Every test gets its own state and cache folders and a fixed 'today'. Hypothesis runs without
deadlines everywhere (a loaded machine must not fail a property); speed is measured in
benchmarks/, never asserted here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings as hypothesis_settings

from orbitwatch.cli import cli

REPO = Path(__file__).resolve().parent.parent

# One profile for every run, local and CI: no per-example deadline (a property's examples are
# not timed; tests/test_hygiene.py refuses a `deadline=` other than None in any test file).
hypothesis_settings.register_profile("orbitwatch", deadline=None)
hypothesis_settings.load_profile("orbitwatch")
TODAY = "2022-05-31"
# Every tag the html page may hold: anything else in a rendered page came from event text.
TEMPLATE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "p",
    "section",
    "figure",
    "figcaption",
    "svg",
    "circle",
    "line",
    "path",
    "text",
    "g",
    "code",
    "h2",
    "ol",
    "li",
    "span",
    "strong",
    "div",
    "ul",
    "a",
}


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("ORBIT_TODAY", TODAY)
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("ORBIT_ROOT", "ORBIT_STATE", "ORBIT_NO_CACHE", "ORBIT_FAULT"):
        monkeypatch.delenv(name, raising=False)


def rule_toml(rule_id: str, title: str, when: str, stance: str, weight: int) -> str:
    """One [[rules]] table of orbit.toml."""
    quoted = f"'{when}'" if '"' in when else f'"{when}"'
    return (
        f'[[rules]]\nid = "{rule_id}"\ntitle = "{title}"\nwhen = {quoted}\n'
        f'stance = "{stance}"\nweight = {weight}\n'
    )


def settings_toml(
    watch: Sequence[str],
    rules: Sequence[str],
    half_life: str | None = None,
    levels: Mapping[str, float] | None = None,
    **signals: object,
) -> str:
    """An orbit.toml with Moscow as the pole: the shared shape of the tests' settings.

    settings_toml(["KZ"], [rule_toml("aid", "Aid", "tag:aid", "away", 2)], half_life="100d",
    levels={"watch": 3.0}, convergence_rules=2); other [signals] keys go in as keywords.
    """
    lines = ["[signals]", 'pole = "RU"']
    if half_life is not None:
        lines.append(f'half_life = "{half_life}"')
    lines.append("watch = [" + ", ".join(f'"{code}"' for code in watch) + "]")
    for key, value in signals.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
    text = "\n".join(lines) + "\n"
    for rule in rules:
        text += "\n" + rule
    for name, score in (levels or {}).items():
        text += f'\n[[levels]]\nname = "{name}"\nscore = {score}\n'
    return text


AID_RULE = rule_toml("aid", "Aid", "tag:aid", "away", 2)


DIGEST_SETTINGS = settings_toml(
    ["KZ", "KG"],
    [rule_toml("aid", "Security aid from elsewhere", "tag:aid", "away", 3)],
    half_life="180d",
    levels={"watch": 2.5},
)

# The timeline the digest tests share (test_digest.py, test_hardening.py): two watched
# countries, aid events that cross the "watch" level.
DIGEST_EVENTS = {
    "events/kz-aid.toml": """
        date = 2022-05-10
        title = "Помощь Казахстану: қауіпсіздік"
        countries = ["KZ"]
        tags = ["aid"]
        """,
    "events/kg-aid.toml": """
        date = 2022-05-12
        title = "Kyrgyz aid"
        countries = ["KG"]
        tags = ["aid"]
        status = "reported"
        """,
}


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def write_events(tmp_path: Path) -> Callable[..., Path]:
    """write_events({"events/a.toml": '''...'''}, settings='''...''') -> the timeline root."""

    def write(files: dict[str, str], settings: str | None = None) -> Path:
        root = tmp_path / "timeline"
        (root / "events").mkdir(parents=True, exist_ok=True)
        if settings is not None:
            write_files(root, {"orbit.toml": settings})
        return write_files(root, files)

    return write


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the shipped example timeline."""
    root = tmp_path / "example"
    root.mkdir()
    shutil.copytree(REPO / "events", root / "events")
    shutil.copy(REPO / "orbit.toml", root / "orbit.toml")
    return root


def run(*args: str, root: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """The orbit command in-process through click's CliRunner."""
    argv = (["--root", str(root)] if root is not None else []) + list(args)
    return CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)


def orbit_executable() -> list[str]:
    script = Path(sys.executable).parent / "orbit"
    if script.exists():
        return [str(script)]
    found = shutil.which("orbit")
    return [found] if found else [sys.executable, "-m", "orbitwatch"]


def commit_all(
    root: Path, message: str, stamp: str = "2022-05-02T12:00:00+00:00", allow_empty: bool = False
) -> str:
    """Commit everything under root as Ann with a fixed date (any GIT_COMMITTER_DATE git
    takes), making the repository when there is none; the commit's hash."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ann",
        "GIT_AUTHOR_EMAIL": "ann@example.org",
        "GIT_COMMITTER_NAME": "Ann",
        "GIT_COMMITTER_EMAIL": "ann@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    empty = ["--allow-empty"] if allow_empty else []
    for args in (["add", "-A"], ["commit", "-q", *empty, "-m", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, check=True)
    return out.stdout.decode().strip()


def run_process(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: int | None = subprocess.DEVNULL,
    timeout: float = 60,
    **kwargs: object,
) -> subprocess.CompletedProcess[bytes]:
    """The installed `orbit` in a real subprocess (bytes out, for encoding checks)."""
    full_env = dict(os.environ) if env is None else env
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        [*orbit_executable(), *args],
        env=full_env,
        cwd=cwd,
        stdin=stdin,
        timeout=timeout,
        **kwargs,  # type: ignore[arg-type]
    )


def cron_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Cron's environment at its worst: almost nothing, C locale, no UTF-8 mode."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONUTF8": "0",
        "HOME": str(tmp_path),
        "ORBIT_TODAY": TODAY,
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
    }
    env.update(extra)
    return env


def drain(main: int) -> bytes:
    """Everything a pseudo-terminal showed, read from its main side once the process that
    wrote to it has ended and its other side is closed."""
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        shown += chunk
    return shown


def run_on_pty(
    *args: str, env: dict[str, str], typed: bytes = b"", cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """The installed `orbit` with stdin and stdout on one pseudo-terminal (what is `typed` is
    waiting on stdin), stderr piped: (the process, what the terminal showed)."""
    import pty

    main, child = pty.openpty()
    try:
        if typed:
            os.write(main, typed)
        result = run_process(*args, env=env, cwd=cwd, stdin=child, stdout=child)
        os.close(child)
        child = -1
        shown = drain(main)
    finally:
        if child >= 0:
            os.close(child)
        os.close(main)
    return result, shown
