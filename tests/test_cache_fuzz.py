"""Random bytes flipped in every file orbit keeps (the index, the digest state, silences.toml):
each run answers what a run without the cache answers on the same files, or refuses with the
documented status; never 70 (issue 29). Bounded in work: a fixed number of seeded rounds."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, run_process

ON = "2022-05-31"
SEED = 29
INDEX_ROUNDS = 10
FILE_ROUNDS = 4  # each for the state and silences.toml
SILENCES = (
    '[[silence]]\nid = "s-kz"\nmatcher = "country:KZ"\nuntil = 2022-06-30\n'
    'reason = "known"\nby = "Ana"\n\n'
    '[[silence]]\nid = "s-kg"\nmatcher = "country:KG kind:level-up"\nuntil = 2022-07-31\n'
    'reason = "watched"\nby = "Ana"\n'
)


def commands(state: Path) -> list[tuple[str, ...]]:
    return [
        ("list", "--format", "ids"),
        ("list", "country:KZ", "--format", "json"),
        ("signals", "--as-of", ON),
        ("alerts", "--as-of", ON),
        ("digest", "--dry-run", "--as-of", ON, "--state", str(state), "--format", "json"),
    ]


@pytest.fixture
def kept(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped timeline with silences, a digest state and a warm index."""
    root = tmp_path / "timeline"
    shutil.copytree(REPO / "src" / "orbitwatch" / "examples" / "central-asia", root)
    (root / "silences.toml").write_text(SILENCES, encoding="utf-8")
    old = time.time() - 60  # older than the index's racy window, so entries are kept
    for path in root.rglob("*.toml"):
        os.utime(path, (old, old))
    state = tmp_path / "state.json"
    first = orbit(root, "digest", "--as-of", "2022-05-15", "--state", str(state))
    assert first.returncode == 0, first.stderr
    for args in commands(state):
        assert orbit(root, *args).returncode in (0, 1)
    return root, state


def orbit(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_process("--root", str(root), *args)


def flipped(data: bytes, rng: random.Random) -> bytes:
    """1 to 3 bytes XORed with random non-zero values, among the bytes that are not zero (a
    database is mostly empty page space, where a flip changes nothing anyone reads)."""
    changed = bytearray(data)
    used = [at for at, byte in enumerate(data) if byte]
    for _ in range(rng.randint(1, 3)):
        changed[rng.choice(used)] ^= rng.randint(1, 255)
    return bytes(changed)


def index_of(root: Path) -> Path:
    from orbitwatch.timeline.index import index_path

    return index_path(root)


def test_flipped_bytes_in_the_cache_state_and_silences(kept: tuple[Path, Path]) -> None:
    root, state = kept
    rng = random.Random(SEED)
    database = index_of(root)
    assert not Path(f"{database}-wal").exists()  # every run closed it: the file is all of it
    pristine = database.read_bytes()
    runs = commands(state)
    want = {args: orbit(root, "--no-cache", *args) for args in runs}
    for round_number in range(INDEX_ROUNDS):
        args = rng.choice(runs)
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        database.write_bytes(flipped(pristine, rng))
        got = orbit(root, *args)
        where = f"index round {round_number}: {' '.join(args)}: {got.stderr.decode()}"
        assert (got.returncode, got.stdout) == (want[args].returncode, want[args].stdout), where
    for target in (state, root / "silences.toml"):
        original = target.read_bytes()
        for round_number in range(FILE_ROUNDS):
            args = rng.choice(runs[2:])  # the commands that read them
            target.write_bytes(flipped(original, rng))
            got = orbit(root, *args)
            uncached = orbit(root, "--no-cache", *args)
            where = f"{target.name} round {round_number}: {' '.join(args)}: {got.stderr.decode()}"
            assert got.returncode != 70 and uncached.returncode != 70, where
            assert (got.returncode, got.stdout) == (uncached.returncode, uncached.stdout), where
        target.write_bytes(original)
