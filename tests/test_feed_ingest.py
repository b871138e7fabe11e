"""`orbit feed import` and `orbit feed update` for real: the orbit command in a subprocess, real
DuckDB, real files, a real HTTP server on loopback; everything under tmp_path, no network.

Exact counts of the shipped fixtures (tests/data/feeds/README.md), idempotency, overlap, bad
rows with file:line, all-or-nothing per file, a killed import, the lock, resume and MD5 checks.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import http.server
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, run_process

FEEDS = REPO / "tests" / "data" / "feeds"
GDELT2 = "tests/data/feeds/gdelt2-events.export.CSV"
TRANSLINGUAL = "tests/data/feeds/gdelt2-translingual.export.CSV"
GDELT1 = "tests/data/feeds/gdelt1-daily.CSV"
MADEUP = "tests/data/feeds/madeup-central-asia.export.CSV"
ICEWS = "tests/data/feeds/icews-madeup.tab"
ALL = [GDELT1, GDELT2, TRANSLINGUAL, ICEWS, MADEUP]


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg-data"), **extra}


def orbit(tmp_path: Path, *args: str, **extra: str) -> tuple[int, str, str]:
    result = run_process(*args, env=env(tmp_path, **extra), cwd=REPO)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def snapshot(store: Path) -> dict[str, bytes]:
    """Every file of the store with its content (the lock file lives beside it)."""
    if not store.exists():
        return {}
    return {
        str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()
    }


def stored(store: Path, where: str = "true") -> list[tuple[object, ...]]:
    import duckdb

    from orbitwatch.feeds.store import rows_path

    return duckdb.sql(
        f"SELECT source, count(*) FROM read_parquet('{rows_path(store)}', hive_partitioning=true)"
        f" WHERE {where} GROUP BY source ORDER BY source"
    ).fetchall()


def test_import_the_fixtures_with_exact_counts(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), *ALL)
    assert (code, err) == (0, "")
    assert out == (
        f"{GDELT1}: gdelt1, 100 rows: 100 added, 0 already stored, 0 bad, 76 unmapped, "
        "1979-01..2020-07\n"
        f"{GDELT2}: gdelt2, 100 rows: 100 added, 0 already stored, 0 bad, 80 unmapped, "
        "2014-02..2020-03\n"
        f"{TRANSLINGUAL}: gdelt2, 100 rows: 100 added, 0 already stored, 0 bad, 72 unmapped, "
        "2014-02..2020-03\n"
        f"{ICEWS}: icews, 12 rows: 12 added, 0 already stored, 0 bad, 0 unmapped, "
        "2022-02..2022-05\n"
        f"{MADEUP}: gdelt2, 104 rows: 104 added, 0 already stored, 0 bad, 3 unmapped, "
        "2022-01..2022-05\n"
        f"416 rows added to {store} from 5 of 5 files (0 already stored, 0 bad, 231 unmapped)\n"
    )
    assert stored(store) == [("gdelt1", 100), ("gdelt2", 304), ("icews", 12)]
    assert stored(store, "(actor1 = 'KZ' OR actor2 = 'KZ') AND month = '2022-05'") == [
        ("gdelt2", 9),
        ("icews", 2),
    ]
    # the mapping: ROM-like exceptions aside, blocs from known groups and ICEWS names
    assert stored(store, "actor1 = 'EU' AND actor2 = 'KZ'") == [("gdelt2", 5), ("icews", 1)]
    assert stored(store, "actor2 = 'CSTO'") == [("icews", 2)]
    assert stored(store, "actor2 = 'NATO'") == [("gdelt2", 5)]
    manifest = json.loads((store / "manifest.json").read_text())
    assert [(f["name"], f["added"]) for f in manifest["files"]] == [
        ("gdelt1-daily.CSV", 100),
        ("gdelt2-events.export.CSV", 100),
        ("gdelt2-translingual.export.CSV", 100),
        ("icews-madeup.tab", 12),
        ("madeup-central-asia.export.CSV", 104),
    ]


def test_the_store_contract(tmp_path: Path) -> None:
    import duckdb

    from orbitwatch.feeds.store import COLUMNS, months, rows_path

    store = tmp_path / "store"
    assert orbit(tmp_path, "feed", "import", "--store", str(store), MADEUP, ICEWS)[0] == 0
    described = duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{rows_path(store)}', hive_partitioning=true)"
    ).fetchall()
    assert [(row[0], row[1]) for row in described] == [*COLUMNS, ("month", "VARCHAR")]
    assert months(store) == ["2022-01", "2022-02", "2022-03", "2022-04", "2022-05"]
    assert rows_path(store, "2022-04", None) == [
        str(store / "rows" / "month=2022-04" / "*.parquet"),
        str(store / "rows" / "month=2022-05" / "*.parquet"),
    ]
    row = duckdb.sql(
        f"SELECT * EXCLUDE (month) FROM read_parquet('{rows_path(store)}', "
        "hive_partitioning=true) WHERE source = 'icews' AND event_id = '91000004'"
    ).fetchall()
    assert row == [
        (
            "icews", "91000004", __import__("datetime").date(2022, 3, 15), "EU", "KZ",
            "European Union", "Kazakhstan", "071", "07", 7.4, None, None, None, None,
            "61000002",
        )
    ]  # fmt: skip


def test_default_store_is_under_the_user_data_folder(tmp_path: Path) -> None:
    code, out, _ = orbit(tmp_path, "feed", "import", ICEWS)
    assert code == 0
    assert f"to {tmp_path / 'xdg-data' / 'orbitwatch' / 'feeds' / 'gdelt'} from" in out


def test_importing_again_adds_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert orbit(tmp_path, "feed", "import", "--store", str(store), *ALL)[0] == 0
    before = snapshot(store)
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), GDELT2, ICEWS)
    assert (code, err) == (0, "")
    assert out == (
        f"{GDELT2}: already imported (same SHA-256), nothing added\n"
        f"{ICEWS}: already imported (same SHA-256), nothing added\n"
        f"0 rows added to {store} from 2 of 2 files (112 already stored, 0 bad, 0 unmapped)\n"
    )
    assert snapshot(store) == before


def test_an_overlapping_file_adds_only_its_new_rows(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert orbit(tmp_path, "feed", "import", "--store", str(store), GDELT2)[0] == 0
    lines = (REPO / GDELT2).read_text().splitlines(keepends=True)
    new = (REPO / MADEUP).read_text().splitlines(keepends=True)
    overlap = tmp_path / "overlap.export.CSV"
    # 40 rows already stored, 10 new ones, and one of the new ones twice in the file
    overlap.write_text("".join(lines[30:70] + new[:10] + new[:1]))
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), str(overlap))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"{overlap}: gdelt2, 51 rows: 10 added, 41 already stored, 0 bad, 0 unmapped, 2022-01"
    )
    assert stored(store) == [("gdelt2", 110)]


def test_bad_rows_are_reported_with_file_and_line_and_the_rest_imported(tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = (REPO / MADEUP).read_bytes().splitlines(keepends=True)
    fields = good[0].rstrip(b"\n").split(b"\t")
    long_url = b"\t".join([b"9200000001", *fields[1:60], b"https://example.org/" + b"x" * 10_000])
    bad_date = b"\t".join([b"9200000002", b"20221399", *fields[2:]])
    no_id = b"\t".join([b"", *fields[1:]])
    # a stored column (the URL) in Latin-1; columns orbit does not store are not checked
    latin1 = b"\t".join([b"9200000003", *fields[1:60], b"https://example.org/S\xe3o-Paulo"])
    sixty = b"\t".join(fields[:60])
    body = [*good[:3], long_url + b"\n", bad_date + b"\n", sixty + b"\n", no_id + b"\n"]
    body += [latin1 + b"\n", good[3]]
    path = tmp_path / "mixed.export.CSV"
    path.write_bytes(b"".join(body))
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), str(path))
    assert code == 2
    assert err == (
        f"{path}:5: error: bad value '20221399' in SQLDATE (column 2)\n"
        f"{path}:6: error: 60 tab-separated columns, expected 61\n"
        f"{path}:7: error: empty GLOBALEVENTID (column 1)\n"
        f"{path}:8: error: invalid UTF-8 bytes (GDELT and ICEWS files are UTF-8)\n"
    )
    assert out.splitlines()[0] == (
        f"{path}: gdelt2, 5 rows: 5 added, 0 already stored, 4 bad, 0 unmapped, 2022-01"
    )
    assert stored(store, "length(url) > 10000") == [("gdelt2", 1)]


def test_a_file_of_the_wrong_shape_is_refused_and_the_rest_imported(tmp_path: Path) -> None:
    store = tmp_path / "store"
    sixty = tmp_path / "sixty.CSV"
    sixty.write_text("\t".join(["x"] * 60) + "\n")
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), str(sixty), ICEWS)
    assert code == 2
    assert err.startswith(
        f"orbit: error: {sixty}: not a feed file orbit reads: its first line has 60 "
        "tab-separated columns\n"
    )
    assert out.endswith(
        f"12 rows added to {store} from 1 of 2 files (0 already stored, 0 bad, 0 unmapped)\n"
    )


def zipped(source: Path, target: Path, name: str | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(source, name or source.name)
    return target


def test_zipped_input_and_a_truncated_zip(tmp_path: Path) -> None:
    store = tmp_path / "store"
    good = zipped(REPO / MADEUP, tmp_path / "20220101000000.export.CSV.zip")
    code, out, _ = orbit(tmp_path, "feed", "import", "--store", str(store), str(good))
    assert code == 0 and "104 added" in out
    before = snapshot(store)
    whole = zipped(REPO / GDELT2, tmp_path / "whole.zip").read_bytes()
    broken = tmp_path / "20220101001500.export.CSV.zip"
    broken.write_bytes(whole[: len(whole) // 2])
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), str(broken))
    assert code == 2
    assert err.startswith(f"orbit: error: {broken}: broken or truncated zip file")
    assert snapshot(store) == before
    assert not list(store.glob(".tmp-*"))


@pytest.mark.parametrize(
    ("fault", "after_recovery"),
    [
        ("feed-staged", "removed an unfinished import"),
        ("feed-moving", "finished the interrupted import of madeup-central-asia.export.CSV"),
    ],
)
def test_a_killed_import(tmp_path: Path, fault: str, after_recovery: str) -> None:
    store = tmp_path / "store"
    assert orbit(tmp_path, "feed", "import", "--store", str(store), ICEWS)[0] == 0
    before = snapshot(store)
    code, _, _ = orbit(tmp_path, "feed", "import", "--store", str(store), MADEUP, ORBIT_FAULT=fault)
    assert code == -9
    assert list(store.glob(".tmp-*"))  # the killed run's work folder
    if fault == "feed-staged":  # killed before the commit: the store as it was
        assert {k: v for k, v in snapshot(store).items() if not k.startswith(".tmp-")} == before
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), MADEUP)
    assert code == 0
    assert err.startswith(f"orbit: warning: {after_recovery}")
    assert not list(store.glob(".tmp-*"))
    assert stored(store) == [("gdelt2", 104), ("icews", 12)]
    expected = "104 added" if fault == "feed-staged" else "already imported"
    assert expected in out


def test_a_held_lock_is_busy(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with open(tmp_path / "store.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), ICEWS)
    assert (code, out) == (75, "")
    assert "another orbit feed import or update holds" in err


def test_json_summary(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, out, _ = orbit(
        tmp_path, "feed", "import", "--store", str(store), "--format", "json", ICEWS, ICEWS
    )
    assert code == 0
    report = json.loads(out)
    assert report["schema_version"] == 1
    assert [f["status"] for f in report["files"]] == ["imported", "already"]
    assert report["totals"] == {"rows": 24, "added": 12, "duplicates": 12, "bad": 0, "unmapped": 0}


# -- update, against a real HTTP server on loopback ------------------------------------------


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A GDELT 2.0 layout (masterfilelist.txt and zips) served on 127.0.0.1."""
    folder = tmp_path / "mirror"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/gdeltv2/", folder
    finally:
        server.shutdown()
        server.server_close()


def publish(folder: Path, files: list[tuple[str, str]], wrong_md5: str = "") -> None:
    """Zip each fixture as STAMP.export.CSV.zip and list it (with a mentions file that update
    must skip), as GDELT's master list does: 'SIZE MD5 URL', oldest first."""
    site = folder / "gdeltv2"
    site.mkdir(exist_ok=True)
    lines = []
    for stamp, fixture in files:
        name = f"{stamp}.export.CSV.zip"
        target = site / name
        if not target.exists():
            zipped(REPO / fixture, target, f"{stamp}.export.CSV")
        data = target.read_bytes()
        md5 = "0" * 32 if name == wrong_md5 else hashlib.md5(data).hexdigest()
        lines.append(f"{len(data)} {md5} http://data.gdeltproject.org/gdeltv2/{name}")
        lines.append(
            f"123 {'f' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.mentions.CSV.zip"
        )
    (site / "masterfilelist.txt").write_text("\n".join(lines) + "\n")
    (site / "lastupdate.txt").write_text("\n".join(lines[-2:]) + "\n")


def test_update_fetches_checks_and_resumes(tmp_path: Path, mirror: tuple[str, Path]) -> None:
    base, folder = mirror
    store = tmp_path / "store"
    update = ("feed", "update", "--store", str(store), "--base-url", base)
    publish(folder, [("20220510120000", GDELT2), ("20220510121500", MADEUP)])
    code, out, err = orbit(tmp_path, *update, "--since", "2022-05-10")
    assert (code, err) == (0, "")
    assert out == (
        "20220510120000.export.CSV.zip: gdelt2, 100 rows: 100 added, 0 already stored, 0 bad, "
        "80 unmapped, 2014-02..2020-03\n"
        "20220510121500.export.CSV.zip: gdelt2, 104 rows: 104 added, 0 already stored, 0 bad, "
        "3 unmapped, 2022-01..2022-05\n"
        f"204 rows added to {store} from 2 of 2 files (0 already stored, 0 bad, 83 unmapped)\n"
    )
    # nothing new: silent, for cron
    assert orbit(tmp_path, *update) == (0, "", "")
    # a new file whose MD5 does not match: not imported, and the run stops there
    later = [("20220510123000", TRANSLINGUAL), ("20220510124500", GDELT1)]
    publish(
        folder,
        [("20220510120000", GDELT2), ("20220510121500", MADEUP), *later],
        wrong_md5="20220510123000.export.CSV.zip",
    )
    before = snapshot(store)
    code, out, err = orbit(tmp_path, *update)
    assert code == 2
    assert err.startswith(
        "orbit: error: 20220510123000.export.CSV.zip: MD5 mismatch: the list says "
        f"{'0' * 32}, the file is "
    )
    assert snapshot(store) == before
    # fixed upstream: the next run resumes with that file
    publish(folder, [("20220510120000", GDELT2), ("20220510121500", MADEUP), *later])
    code, out, err = orbit(tmp_path, *update, "--format", "json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert [(f["path"], f["added"]) for f in report["files"]] == [
        ("20220510123000.export.CSV.zip", 100),
        ("20220510124500.export.CSV.zip", 100),
    ]
    assert (report["listed"], report["pending"]) == (4, 2)
    assert stored(store) == [("gdelt1", 100), ("gdelt2", 304)]
    # up to date, the next file 15 minutes later: lastupdate.txt alone is read
    fresh = tmp_path / "fresh.export.CSV"
    fresh.write_text(
        "".join("95" + line[2:] for line in (REPO / MADEUP).read_text().splitlines(True)[:12])
    )
    publish(folder, [("20220510130000", str(fresh))])
    (folder / "gdeltv2" / "masterfilelist.txt").unlink()
    code, out, err = orbit(tmp_path, *update)
    assert err == ""
    assert code == 0
    assert out.startswith("20220510130000.export.CSV.zip: gdelt2, 12 rows: 12 added")


def test_update_names_an_unreachable_list(tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, out, err = orbit(
        tmp_path, "feed", "update", "--store", str(store), "--base-url", "http://127.0.0.1:9/"
    )
    assert (code, out) == (2, "")
    assert err.startswith("orbit: error: cannot fetch http://127.0.0.1:9/masterfilelist.txt")


def test_fixtures_hold_no_row_dated_june_to_december_2022() -> None:
    import duckdb

    for path in FEEDS.glob("*.CSV"):
        dates = duckdb.sql(
            f"SELECT count(*) FROM read_csv('{path}', delim='\\t', header=false, quote='', "
            "all_varchar=true, null_padding=true) WHERE column01 BETWEEN '20220601' AND '20221231'"
        ).fetchall()
        assert dates == [(0,)], path
    icews = (FEEDS / "icews-madeup.tab").read_text().splitlines()[1:]
    assert not [line for line in icews if "2022-06" <= line.split("\t")[1] <= "2022-12-31"]


def test_orbit_toml_names_the_store(tmp_path: Path) -> None:
    root = tmp_path / "timeline"
    (root / "events").mkdir(parents=True)
    (root / "orbit.toml").write_text('[feeds.gdelt]\nstore = "../feedstore"\n')
    code, out, _ = orbit(tmp_path, "--root", str(root), "feed", "import", str(REPO / ICEWS))
    assert code == 0
    assert f"to {root / '..' / 'feedstore'} from" in out
    assert stored(tmp_path / "feedstore") == [("icews", 12)]


def test_an_unknown_feeds_key_is_a_located_error(tmp_path: Path) -> None:
    root = tmp_path / "timeline"
    (root / "events").mkdir(parents=True)
    (root / "orbit.toml").write_text('[feeds.gdelt]\nstor = "x"\nkind = "gdelt3"\n')
    code, out, err = orbit(tmp_path, "--root", str(root), "check")
    assert code == 1
    assert "orbit.toml:2:1: error: unknown key 'stor' in [feeds.gdelt] (did you mean 'store'?)" in (
        out + err
    )
    assert (
        "orbit.toml:3:1: error: [feeds.gdelt] kind 'gdelt3' is not one of gdelt2, gdelt1, icews"
        in (out + err)
    )


def test_a_full_disk_stops_the_run_and_leaves_the_store_unchanged(tmp_path: Path) -> None:
    """A file size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ) fails DuckDB's writes the way
    a full disk does."""
    import resource
    import subprocess

    from tests.conftest import orbit_executable

    store = tmp_path / "store"
    assert orbit(tmp_path, "feed", "import", "--store", str(store), ICEWS)[0] == 0
    before = snapshot(store)
    fields = (REPO / MADEUP).read_text().splitlines()[0].split("\t")
    rows = [
        "\t".join([str(9300000000 + n), *fields[1:60], f"https://example.org/{n:08d}/{n * 7919}"])
        for n in range(20_000)
    ]
    big = tmp_path / "big.export.CSV"
    big.write_text("\n".join(rows) + "\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run(
        [*orbit_executable(), "feed", "import", "--store", str(store), str(big), MADEUP],
        env=env(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (74, "")
    assert result.stderr == (
        f"orbit: error: {big}: cannot write the feed store: File too large; nothing of this "
        "file was imported, and the files after it were not tried\n"
    )
    assert snapshot(store) == before


def test_bad_rows_in_gdelt1_and_icews_files(tmp_path: Path) -> None:
    store = tmp_path / "store"
    gdelt1 = (REPO / GDELT1).read_text().splitlines(keepends=True)
    short = "\t".join(gdelt1[0].split("\t")[:30]) + "\n"  # neither 57 nor 58 columns
    bad_goldstein = gdelt1[50].split("\t")
    bad_goldstein[30] = "strong"
    old = tmp_path / "old.CSV"
    old.write_text("".join([*gdelt1[:3], short, "\t".join(bad_goldstein), *gdelt1[60:62]]))
    icews = (REPO / ICEWS).read_text().splitlines(keepends=True)
    fields = icews[1].split("\t")
    tab = tmp_path / "bad.tab"
    tab.write_text("".join([icews[0], icews[1], "\t".join([*fields[:7], "high", *fields[8:]])]))
    code, out, err = orbit(tmp_path, "feed", "import", "--store", str(store), str(old), str(tab))
    assert code == 2
    assert err == (
        f"{old}:4: error: 30 tab-separated columns, expected 57 or 58\n"
        f"{old}:5: error: bad value 'strong' in GoldsteinScale (column 31)\n"
        f"{tab}:3: error: bad value 'high' in Intensity (column 8)\n"
    )
    assert out.splitlines()[:2] == [
        f"{old}: gdelt1, 5 rows: 5 added, 0 already stored, 2 bad, 5 unmapped, 1979-01..2019-07",
        f"{tab}: icews, 1 rows: 1 added, 0 already stored, 1 bad, 0 unmapped, 2022-02",
    ]


def test_an_empty_export_and_a_crlf_icews_file_with_a_bom(tmp_path: Path) -> None:
    """GDELT has published empty exports (recorded, so update's resume moves past them);
    ICEWS files saved on Windows keep their rows."""
    store = tmp_path / "store"
    empty = tmp_path / "20220510120000.export.CSV"
    empty.write_bytes(b"")
    windows = tmp_path / "windows.tab"
    text = (REPO / ICEWS).read_text()
    windows.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    code, out, err = orbit(
        tmp_path, "feed", "import", "--store", str(store), str(empty), str(windows)
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        f"{empty}: empty, 0 rows: 0 added, 0 already stored, 0 bad, 0 unmapped",
        f"{windows}: icews, 12 rows: 12 added, 0 already stored, 0 bad, 0 unmapped, 2022-02..2022-05",
    ]
    assert stored(store, "actor1 = 'KZ' AND actor2 = 'RU'") == [("icews", 2)]
