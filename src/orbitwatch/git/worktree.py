"""What git knows about a work tree's files, for freshness: the index's entries, the tracked
files that differ from it, and the untracked files (ignored ones included).

Three read-only plumbing commands run side by side (`git ls-files -s -v`, `git diff-files`,
`git ls-files -o`), with no optional locks, so a run never writes the repository's index. Any
doubt (git missing, not a work tree, a failure, a word on stderr, a timeout) answers None: the
caller then walks the folder itself. Parsing the answer into event files is timeline's.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

# Variables that would point git at another repository, index or work tree than the folder's
# own: freshness asks about the files in the folder, so git finds the repository from there.
_REDIRECTS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
)


@dataclass(frozen=True, slots=True)
class WorkTreeState:
    """git's answer for one folder below a work tree's top, paths relative to that folder."""

    entries: bytes  # `ls-files -s -v -z` output: "TAG MODE BLOB STAGE\tPATH\0" per entry
    changed: list[str]  # tracked paths whose file differs from the index (or is gone)
    untracked: list[str]  # paths git does not track, ignored ones included
    digest: str  # one hash of the three answers


def work_tree_state(root: Path, folder: str, timeout: float = 60.0) -> WorkTreeState | None:
    """git's view of `folder` (relative to root) in the work tree that holds root; None when
    git cannot be asked or gives any sign of doubt."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTS}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"})
    base = ["git", "-c", "core.quotepath=off", "-c", "core.fsmonitor=false", "--no-pager"]
    commands = (
        [*base, "ls-files", "-s", "-v", "-z", "--", folder],
        [*base, "diff-files", "--name-only", "-z", "--relative", "--", folder],
        [*base, "ls-files", "-o", "-z", "--", folder],
    )
    running: list[subprocess.Popen[bytes]] = []
    try:
        for argv in commands:
            running.append(
                subprocess.Popen(
                    argv,
                    cwd=root,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        answers = [process.communicate(timeout=timeout) for process in running]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    if any(p.returncode != 0 for p in running) or any(err for _, err in answers):
        return None
    (entries, _), (changed, _), (untracked, _) = answers
    digest = hashlib.sha256(entries)
    for extra in (changed, untracked):
        digest.update(b"\1")
        digest.update(extra)
    return WorkTreeState(entries, _names(changed), _names(untracked), digest.hexdigest())


def _names(output: bytes) -> list[str]:
    return [name.decode("utf-8", "surrogateescape") for name in output.split(b"\0") if name]
