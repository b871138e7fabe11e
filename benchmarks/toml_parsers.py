"""Compiled TOML parsers against tomllib: same values on our cases and events, and parse speed.

    python benchmarks/toml_parsers.py [EVENTS_DIR]    # default /tmp/bench/timeline-100000/events

A file goes through what the loader does (tomlpos.read_toml): read the bytes, drop a leading
UTF-8 BOM, decode UTF-8 strictly, parse. A value agrees when it equals tomllib's with the same
types all the way down (bool is not int, floats by repr so nan and -0.0 count, tzinfo by type
and offset); an invalid case is rejected when decoding or parsing raises. Faithfulness: the
files in tests/data/toml-cases, the packaged examples' events, /tmp/bench/timeline-20000/events
if present, and one-line probes of the types our events lack. Speed: all parsers over EVENTS_DIR
in one process, in chunks of 1,000 files, the order rotated per chunk (background load falls on
all alike), median of 3 rounds; "read only" is read + decode alone. Candidates not installed are
skipped; of them only toml-rs became an orbitwatch dependency (after this measurement). Left
out: pytoml11 0.0.5 (toml11 bindings) returns wrappers (Integer(1), Table(...)), and its loads
alone took about 8.6 ms a file here.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "data" / "toml-cases"
EXAMPLES = REPO / "src" / "orbitwatch" / "examples"
SYNTHETIC = Path("/tmp/bench/timeline-20000/events")
DEFAULT_EVENTS = Path("/tmp/bench/timeline-100000/events")
CHUNK, ROUNDS, SHOWN = 1000, 3, 3
PROBES = r"""odt = 1979-05-27T07:32:00Z
odt = 1979-05-27T00:32:00.999999-07:00
odt = 1979-05-27 07:32:00+05:30
ldt = 1979-05-27T07:32:00.5
lt = [07:32:00, 07:32:00.123456, 07:32:00.1234567]
f = [1.0, -0.0, 6.626e-34, 3.14159265358979323846, 1e308, 5e-324, 1_000.5]
f = [inf, -inf, nan, +nan, -nan]
f = 1e1000
i = [0, -17, 0xDEADBEEF, 0o755, 0b1101, 1_000, 9223372036854775807, -9223372036854775808]
i = 9223372036854775808
b = [true, false]
s = ["\u00e9\U0001F600\t\"", 'C:\\x', "\b\f\r"]
mixed = [1, "a", 2.0, [3], {x = 1}]
t = {a.b = 1, "c d" = "e", '' = 2}""".splitlines()

# label -> (module, distribution for the version or None for the stdlib, str -> dict)
CANDIDATES: dict[str, tuple[str, str | None, Callable[[object], Callable[[str], object]]]] = {
    "tomllib": ("tomllib", None, lambda m: m.loads),
    "tomli": ("tomli", "tomli", lambda m: m.loads),
    "rtoml": ("rtoml", "rtoml", lambda m: m.loads),
    "pytomlpp": ("pytomlpp", "pytomlpp", lambda m: m.loads),
    "toml-rs (1.0.0)": ("toml_rs", "toml-rs", lambda m: partial(m.loads, toml_version="1.0.0")),
    "toml-rs (default)": ("toml_rs", "toml-rs", lambda m: m.loads),
    "rustoml": ("rustoml", "rustoml", lambda m: m.loads),
    "tomli-rs": ("tomli_rs", "tomli-rs", lambda m: m.loads),
    "fasttoml": ("fasttoml", "fasttoml", lambda m: m.loads),
}


def load_parsers() -> dict[str, tuple[str, Callable[[str], object]]]:
    found = {}
    for label, (module_name, dist, make) in CANDIDATES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            print(f"- skipped {label}: not installed ({exc})")
            continue
        found[label] = (importlib.metadata.version(dist) if dist else "stdlib", make(module))
    return found


def read_text(path: Path) -> str:
    return path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")


def outcome(parse: Callable[[str], object], source: Path | str) -> tuple[bool, object]:
    """(True, value) or (False, 'ExceptionType: message') for a file or a probe's text."""
    try:
        return True, parse(source if isinstance(source, str) else read_text(source))
    except Exception as exc:  # noqa: BLE001 - every parser has its own error class; any raise rejects
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def difference(want: object, got: object, where: str = "") -> str | None:
    """Where and how got differs from want (tomllib's), or None when they are the same."""
    if type(want) is not type(got):
        kinds = f"{type(want).__name__} vs {type(got).__name__}"
        return f"{where or '<top>'}: tomllib {want!r}, got {got!r} ({kinds})"
    if isinstance(want, dict | list):
        keys = list(want) if isinstance(want, dict) else range(len(want))
        if set(keys) != set(got if isinstance(got, dict) else range(len(got))):  # type: ignore
            return f"{where or '<top>'}: tomllib {want!r}, got {got!r}"
        found = (difference(want[k], got[k], f"{where}[{k!r}]") for k in keys)  # type: ignore
        return next((d for d in found if d), None)
    same = repr(want) == repr(got) if isinstance(want, float) else want == got
    if isinstance(want, dt.datetime | dt.time) and want.tzinfo is not None:
        zone = got.tzinfo  # type: ignore[union-attr]
        same = same and type(want.tzinfo) is type(zone) and want.utcoffset() == zone.utcoffset(got)
    return None if same else f"{where}: tomllib {want!r}, got {got!r}"


def faithfulness(parsers: dict[str, tuple[str, Callable[[str], object]]]) -> dict[str, dict]:
    """Per parser: valid cases equal, invalid cases rejected, every disagreement with tomllib."""
    files = sorted(CASES.glob("*/*.toml")) + sorted(EXAMPLES.glob("**/events/**/*.toml"))
    files += sorted(SYNTHETIC.rglob("*.toml")) if SYNTHETIC.is_dir() else []
    sources: list[Path | str] = [*files, *PROBES]
    reference = {source: outcome(parsers["tomllib"][1], source) for source in sources}
    invalid = [path for path in files if path.parent.name == "invalid"]
    print(f"- {len(files)} files, {len(PROBES)} probes; invalid cases tomllib accepts: ", end="")
    print([path.name for path in invalid if reference[path][0]], end="; ")
    undecodable = [p.name for p in invalid if "UnicodeDecodeError" in str(reference[p][1])]
    print(f"{len(undecodable)} rejected by UTF-8 decoding before any parser: {undecodable}")
    results = {}
    for label, (_, parse) in parsers.items():
        row: dict = {"valid": 0, "invalid": 0, "cases": [], "events": [], "probes": []}
        for source in sources:
            ok, value = outcome(parse, source)
            want_ok, want = reference[source]
            shown = repr(want) if not want_ok else "parses it"  # a value in full is too long
            problem = f"tomllib: {shown}; {label}: {value!r}" if ok != want_ok else None
            problem = problem or (difference(want, value) if ok else None)
            kind = "probe" if isinstance(source, str) else source.parent.name
            row["valid"] += kind == "valid" and problem is None
            row["invalid"] += kind == "invalid" and not ok
            if problem and isinstance(source, str):
                row["probes"].append(f"probe `{source}`: {problem}")
            elif problem:
                group = "cases" if kind in ("valid", "invalid") else "events"
                name = source.relative_to(REPO) if source.is_relative_to(REPO) else source
                row[group].append(f"{name}: {problem}")
        results[label] = row
    return results


def speed(parsers: dict, folder: Path) -> dict[str, float]:
    """Median microseconds per file of read+decode+parse for each parser, and of read alone."""
    paths = sorted(folder.rglob("*.toml"))
    for path in paths:  # warm the page cache, unmeasured
        read_text(path)
    runners = {"read only": lambda text: None} | {k: v[1] for k, v in parsers.items()}
    labels = list(runners)
    rounds: dict[str, list[float]] = {label: [] for label in labels}
    failed = dict.fromkeys(labels, 0)  # files a parser raised on; still timed
    for _ in range(ROUNDS):
        totals = dict.fromkeys(labels, 0.0)
        for number, start in enumerate(range(0, len(paths), CHUNK)):
            shift = number % len(labels)
            for label in labels[shift:] + labels[:shift]:
                parse, began = runners[label], time.perf_counter()
                for path in paths[start : start + CHUNK]:
                    try:
                        parse(read_text(path))
                    except Exception:  # noqa: BLE001 - every parser has its own error class
                        failed[label] += 1
                totals[label] += time.perf_counter() - began
        for label in labels:
            rounds[label].append(totals[label] / len(paths) * 1e6)
    print(f"- speed: {len(paths)} files in {folder}, {ROUNDS} rounds; µs per file per round:")
    for label in labels:
        raised = f" ({failed[label] // ROUNDS} files raised)" if failed[label] else ""
        print(f"  - {label}: {', '.join(f'{us:.1f}' for us in rounds[label])}{raised}")
    return {label: statistics.median(values) for label, values in rounds.items()}


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EVENTS
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores")
    parsers = load_parsers()
    faithful = faithfulness(parsers)
    timing = speed(parsers, folder)
    read_only, base, tomli = timing.pop("read only"), timing["tomllib"], timing["tomli"]
    valid, invalid = len(list(CASES.glob("valid/*.toml"))), len(list(CASES.glob("invalid/*.toml")))
    print(f"\nRead only (read + decode): {read_only:.1f} µs per file\n")
    print(
        "| parser | version | valid cases equal | invalid cases rejected | disagreements "
        "| µs per file | ratio to tomllib | ratio to tomli | parse µs (minus read) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, (version, _) in parsers.items():
        row, us = faithful[label], timing[label]
        print(
            f"| {label} | {version} | {row['valid']}/{valid} | {row['invalid']}/{invalid} "
            f"| {len(row['cases'])} cases, {len(row['events'])} events, {len(row['probes'])} probes"
            f" | {us:.1f} | {us / base:.2f} | {us / tomli:.2f} | {us - read_only:.1f} |"
        )
    for label, row in faithful.items():
        for note in row["cases"] + row["probes"] + row["events"][:SHOWN]:
            print(f"- {label}: {note}")
        if len(row["events"]) > SHOWN:
            print(f"- {label}: ... and {len(row['events']) - SHOWN} more event files")


if __name__ == "__main__":
    main()
