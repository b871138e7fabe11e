"""Use cases of `add`, `import` and `init`: new event files, checked before anything is written.

The editor of `add --edit` is a callable handed in, so this layer runs no user interface.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from orbitwatch.authoring.importing import parse_mapping, plan_import, read_rows
from orbitwatch.authoring.write import plan_add
from orbitwatch.files.atomic import Place, create_new, import_files
from orbitwatch.model.errors import OrbitError, Problem, UsageError
from orbitwatch.text.tomlpos import file_kind
from orbitwatch.text.words import plural
from orbitwatch.timeline.load import display_path, load_timeline

if TYPE_CHECKING:
    from orbitwatch.app.context import Workspace
    from orbitwatch.authoring.importing import ImportPlan
    from orbitwatch.authoring.write import NewEvent
    from orbitwatch.model.event import Event

IMPORT_SUFFIXES = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
EXAMPLES = ("central-asia", "eval")
DEFAULT_EXAMPLE = "central-asia"
MAP_OPTION = "--map"  # the core names no command-line option; import's is worded here
# add's options by the event key a problem is about: the file was never written, so a problem
# names the option to fix, not a line of that file.
ADD_OPTIONS = {
    "date": "--date", "end": "--end", "title": "--title", "summary": "--summary",
    "countries": "--country", "actors": "--actor", "tags": "--tag", "status": "--status",
    "sources.url": "--source-url", "sources.title": "--source-title",
    "sources.publisher": "--publisher", "sources": "--source-url", "signal": "--stance",
    "signal.stance": "--stance", "signal.weight": "--weight", "acts": "--act",
}  # fmt: skip


def option_problem(problem: Problem) -> str:
    """A problem of an unwritten event worded by the add option it comes from."""
    key = problem.field
    option = ADD_OPTIONS.get(key) or ADD_OPTIONS.get(key.split(".")[0], "")
    return f"{option}: {problem.message}" if option else problem.message


@dataclass(frozen=True)
class Added:
    path: Path
    shown: str  # the path as the user should see it
    text: str  # as planned (before any edit)
    event: Event  # as planned, or as edited
    written: bool  # False for a dry run
    problems: list[Problem] = field(default_factory=list)  # left in the file by the editor


def add_event(
    workspace: Workspace,
    new: NewEvent,
    dry_run: bool = False,
    edit: Callable[[Path], object] | None = None,
) -> Added:
    """Write one new event file (never over an existing one); with `edit`, hand it to the
    editor and check it again. Problems in the new event are reported, then refused."""

    root = workspace.root()
    timeline = load_timeline(root)
    planned, problems = plan_add(new, root, timeline.events, timeline.settings, display_path)
    if planned is None:
        details = "\n".join(f"  {option_problem(p)}" for p in problems)
        raise UsageError(
            f"not written: {plural(len(problems), 'problem')} in the new event:\n{details}"
        )
    path, text, event = planned.path, planned.text, planned.event
    shown = display_path(path)
    if dry_run:
        return Added(path, shown, text, event, written=False)
    create_new(path, text.encode("utf-8"), within=root)
    if edit is None:
        return Added(path, shown, text, event, written=True)
    try:
        edit(path)
    except OrbitError:
        path.unlink(missing_ok=True)  # no editor ran: leave nothing behind
        raise
    return recheck(workspace, Added(path, shown, text, event, written=True))


def recheck(workspace: Workspace, added: Added) -> Added:
    """Check an added file again after an edit; its problems are reported and kept."""
    from dataclasses import replace

    again = load_timeline(workspace.root(), [added.path])
    if again.problems:
        workspace.report(again.problems)
    if any(p.severity == "error" for p in again.problems):
        return replace(added, problems=again.problems)
    return replace(added, event=again.events[0], problems=[])


def import_format(file: Path, fmt: str | None = None) -> str:
    """The format asked for, else the one the file name's extension says."""
    kind = fmt or IMPORT_SUFFIXES.get(file.suffix.lower())
    if kind is None:
        raise UsageError(f"cannot tell the format of {file}; give --format csv|json|jsonl")
    return kind


@dataclass(frozen=True)
class ImportOutcome:
    root: Path
    shown_file: str
    plan: ImportPlan  # files to write, duplicates skipped, problems (row, field, message)


def plan_import_file(
    workspace: Workspace,
    file: Path,
    fmt: str | None,
    maps: Sequence[str],
    today: dt.date,
    stdin: BinaryIO | None = None,
) -> ImportOutcome:
    """Read and check every row of a CSV/JSON/JSON Lines file (`-`: `stdin`); nothing is
    written here."""

    try:
        mapping = parse_mapping(maps, MAP_OPTION)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    kind = import_format(file, fmt)
    data = _import_bytes(file, stdin)
    try:
        rows = read_rows(data.decode("utf-8-sig"), kind)
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise OrbitError(f"{file}: cannot read as {kind}: {exc}") from None
    except RecursionError:
        raise OrbitError(f"{file}: cannot read as {kind}: nested too deeply") from None
    root = workspace.root()
    timeline = load_timeline(root)
    plan = plan_import(
        rows, mapping, root, timeline.events, timeline.settings, today, display_path, MAP_OPTION
    )
    return ImportOutcome(root, display_path(file), plan)


# The most an import reads (docs/commands.md): /dev/zero or a runaway pipe never fill memory.
MAX_IMPORT_BYTES = 64 * 1024 * 1024


def _import_bytes(file: Path, stdin: BinaryIO | None) -> bytes:
    """The bytes to import: a regular file (opened without blocking, so a FIFO never hangs
    the run) or standard input for `-`, at most MAX_IMPORT_BYTES."""
    if str(file) == "-" and stdin is not None:
        name, data = "standard input", stdin.read(MAX_IMPORT_BYTES + 1)
    else:
        name = str(file)
        try:
            fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise UsageError(f"{file}: cannot read: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise UsageError(
                    f"{file} is not a regular file ({file_kind(mode)}); nothing imported",
                    hint="Give a file, or - to read standard input (with --format).",
                )
            data = handle.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise UsageError(
            f"{name} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB, the most orbit "
            "imports at once; nothing imported",
            hint="Split it into smaller files and import each.",
        )
    return data


def write_import(outcome: ImportOutcome) -> None:
    """Write every planned file, all or nothing; refuses a plan that has problems."""

    if outcome.plan.problems:
        raise UsageError(f"nothing imported: {plural(len(outcome.plan.problems), 'problem')}")
    files = [(f.path, f.text.encode("utf-8")) for f in outcome.plan.files]
    import_files(outcome.root, files)


@dataclass(frozen=True)
class Initialised:
    folder: Path
    example: str | None  # the example copied, or None for an empty timeline
    events: int = 0  # event files copied
    settings_only: bool = False  # the example's orbit.toml without its events

    @property
    def in_git(self) -> bool:
        """True when the folder already lies inside a git work tree (diff and history work)."""
        return any((parent / ".git").exists() for parent in (self.folder, *self.folder.parents))


def git_init(folder: Path) -> bool:
    """`git init` in the folder; False when git is missing or fails."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "init", "--quiet", str(folder)], capture_output=True, check=False
        )
    except OSError:
        return False
    return done.returncode == 0


def check_init_folder(folder: Path) -> None:
    """init writes only into a new or empty folder, never over existing files."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} is not an empty folder; init never writes into existing files")


def template(name: str) -> bytes:
    """A file shipped in orbitwatch/templates (package data)."""
    import importlib.resources

    return (importlib.resources.files("orbitwatch") / "templates" / name).read_bytes()


def init_timeline(
    folder: Path, example: str | None = None, empty: bool = False, no_events: bool = False
) -> Initialised:
    """A new timeline folder: orbit.toml, events/ (the example's or empty) and a .gitignore.
    `no_events`: the example's orbit.toml (settings, tags, blocs, rules, levels), no events."""
    import importlib.resources

    if example and empty:
        raise UsageError("--example and --empty exclude each other")
    if empty and no_events:
        raise UsageError(
            "--empty and --no-events exclude each other",
            hint="--empty writes a commented orbit.toml to start from; --no-events the "
            "example's own settings and rules",
        )
    check_init_folder(folder)
    # the folder itself is made without following a link on the way (as the user named it);
    # every file below it is written through the seam, inside it
    with Place(folder / "orbit.toml", create=True):
        pass
    if empty:
        with Place(folder / "events" / "orbit.toml", within=folder, create=True):
            pass
        create_new(folder / "orbit.toml", template("orbit.empty.toml"), within=folder)
    else:
        example = example or DEFAULT_EXAMPLE
        source = importlib.resources.files("orbitwatch") / "examples" / example
        with importlib.resources.as_file(source) as path:
            if no_events:
                with Place(folder / "events" / "orbit.toml", within=folder, create=True):
                    pass
            for file in sorted((path / "events").rglob("*")) if not no_events else ():
                if file.is_file():
                    target = folder / file.relative_to(path)
                    create_new(target, file.read_bytes(), within=folder)
            create_new(folder / "orbit.toml", (path / "orbit.toml").read_bytes(), within=folder)
    create_new(folder / ".gitignore", template("gitignore.txt"), within=folder)
    copied = sum(1 for _ in (folder / "events").rglob("*.toml"))
    return Initialised(folder.resolve(), None if empty else example, copied, no_events)
