"""`orbit feed update`'s work: read GDELT 2.0's master file list, fetch the event exports newer
than the last one imported, check their size and MD5, import each. Never prints.

The list's lines are "SIZE MD5 URL". A store that is up to date reads lastupdate.txt only (the
newest files, a few hundred bytes); when that would leave a gap after the last import, the
master list (tens of megabytes) is read instead. Only `*.export.CSV.zip` files are taken; a file is
fetched from BASE_URL + its base name (so a mirror works even when the list names GDELT's own
host). Resume: the newest GDELT 2.0 export name (YYYYMMDDHHMMSS.export.CSV.zip) in the store's
manifest marks where the last run stopped; a file that fails stops the run there, and the next
run starts with it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orbitwatch.feeds import ingest, store
from orbitwatch.model.errors import OrbitError

DEFAULT_BASE_URL = "http://data.gdeltproject.org/gdeltv2/"
MASTER_LIST = "masterfilelist.txt"
LAST_UPDATE = "lastupdate.txt"  # the newest files only, same format
STEP = dt.timedelta(minutes=15)  # GDELT 2.0 publishes every 15 minutes
STAMP = "%Y%m%d%H%M%S"
EXPORT_NAME = re.compile(r"^(\d{14})\.export\.CSV\.zip$")
FIRST_RUN_DAYS = 1  # an empty store starts this many days before the newest listed file
TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Listed:
    stamp: str  # YYYYMMDDHHMMSS, from the name
    name: str
    size: int
    md5: str


@dataclass(frozen=True, slots=True)
class UpdateReport:
    store: Path
    listed: int  # export files in the master list
    pending: int  # newer than the last import
    files: tuple[ingest.FileReport, ...]
    recovered: tuple[str, ...] = ()

    @property
    def trouble(self) -> bool:
        return any(f.error or f.bad for f in self.files)

    def to_json(self) -> dict[str, object]:
        body = ingest.ImportReport(self.store, self.files).to_json()
        return {**body, "listed": self.listed, "pending": self.pending}


def parse_master_list(lines: Iterator[str]) -> list[Listed]:
    """The event exports of a master file list, oldest first; other lines are ignored."""
    found: dict[str, Listed] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        size, md5, url = parts
        name = url.rsplit("/", 1)[-1]
        match = EXPORT_NAME.match(name)
        if not match or not size.isdigit() or not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
            continue
        found[name] = Listed(match.group(1), name, int(size), md5.lower())
    return sorted(found.values(), key=lambda item: item.stamp)


def last_imported(manifest: store.Manifest) -> str | None:
    stamps = [
        match.group(1) for entry in manifest.files if (match := EXPORT_NAME.match(entry.name))
    ]
    return max(stamps, default=None)


def _open(url: str) -> Iterator[bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            while chunk := response.read(1 << 20):
                yield chunk
    except urllib.error.HTTPError as exc:
        raise OrbitError(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise OrbitError(f"cannot fetch {url}: {reason}") from None


def _lines(url: str) -> Iterator[str]:
    rest = b""
    for chunk in _open(url):
        rest += chunk
        *whole, rest = rest.split(b"\n")
        for line in whole:
            yield line.decode("utf-8", "replace")
    if rest:
        yield rest.decode("utf-8", "replace")


def _base(base_url: str) -> str:
    if not re.match(r"^https?://", base_url):
        raise OrbitError(f"base URL {base_url!r} is not an http:// or https:// URL")
    return base_url if base_url.endswith("/") else base_url + "/"


def _start(listed: list[Listed], since: dt.datetime | None) -> str:
    if since is not None:
        return since.strftime("%Y%m%d%H%M%S")
    newest = dt.datetime.strptime(listed[-1].stamp, "%Y%m%d%H%M%S")
    return (newest - dt.timedelta(days=FIRST_RUN_DAYS)).strftime("%Y%m%d%H%M%S")


def update(
    store_dir: Path,
    base_url: str = DEFAULT_BASE_URL,
    since: dt.datetime | None = None,
    progress: ingest.Progress | None = None,
    wait: float = 0,
) -> UpdateReport:
    """Fetch and import what is new, under the store's lock."""
    base = _base(base_url)
    with store.StoreLock(store_dir, wait):
        recovered = tuple(store.recover(store_dir))
        last = last_imported(store.load_manifest(store_dir))
        quick = _from_last_update(base, last) if last is not None else None
        listed = quick if quick is not None else parse_master_list(_lines(base + MASTER_LIST))
        if last is not None:
            pending = [item for item in listed if item.stamp > last]
        elif listed:
            start = _start(listed, since)
            pending = [item for item in listed if item.stamp >= start]
        else:
            pending = []
        reports: list[ingest.FileReport] = []
        for index, item in enumerate(pending):
            if progress is not None:
                progress(item.name, index, len(pending))
            report = _fetch_and_import(store_dir, base, item)
            reports.append(report)
            if report.error:
                break  # resume here next time: never skip past a file
        if progress is not None and pending:
            progress("", len(pending), len(pending))
    return UpdateReport(store_dir, len(listed), len(pending), tuple(reports), recovered)


def _from_last_update(base: str, last: str) -> list[Listed] | None:
    """The newest export from lastupdate.txt when it is the last import or the one right
    after it; None when the master list must be read (a gap, or no lastupdate.txt)."""
    try:
        newest = parse_master_list(_lines(base + LAST_UPDATE))
    except OrbitError:
        return None
    if not newest:
        return None
    following = (dt.datetime.strptime(last, STAMP) + STEP).strftime(STAMP)
    return newest if newest[-1].stamp in (last, following) and len(newest) == 1 else None


def _fetch_and_import(store_dir: Path, base: str, item: Listed) -> ingest.FileReport:
    folder = store.new_temp(store_dir)
    try:
        target = folder / item.name
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with open(target, "wb") as sink:
                for chunk in _open(base + item.name):
                    sink.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except OrbitError as exc:
            return ingest.FileReport(item.name, "gdelt2", error=exc.message)
        if size != item.size:
            return ingest.FileReport(
                item.name,
                "gdelt2",
                error=f"{item.name}: size mismatch: the list says {item.size} bytes, "
                f"{size} arrived; not imported",
            )
        if digest.hexdigest() != item.md5:
            return ingest.FileReport(
                item.name,
                "gdelt2",
                error=f"{item.name}: MD5 mismatch: the list says {item.md5}, the file is "
                f"{digest.hexdigest()}; not imported",
            )
        return ingest.import_file(store_dir, target, item.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
