"""How the store is opened: read-only for reading commands, a read-only folder or file
read as it is with nothing left beside it, a missing folder refused, runs numbered per list."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from screener.data import store as store_module
from screener.data.provider import FetchBundle
from screener.data.store import SCHEMA_VERSION, Store
from screener.errors import DataError

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _filled(path: Path) -> None:
    """A store with one snapshot and two watchlists, closed (so no -wal/-shm remain)."""
    with Store(path) as store:
        store.save_bundle(
            FetchBundle(
                ticker="LITE",
                source="yahoo",
                as_of="2026-01-02",
                fetched_at="2026-01-02T00:00:00+00:00",
                currency="USD",
                metrics={"pe_fwd": 30.0},
            )
        )
        store.save_watchlist_run("core", {"source": "yahoo"}, [{"ticker": "LITE", "score": 1}])
        store.save_watchlist_run("other", {"source": "yahoo"}, [{"ticker": "LITE", "score": 2}])
        store.save_watchlist_run("core", {"source": "yahoo"}, [{"ticker": "LITE", "score": 3}])


def _beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_a_reading_command_opens_query_only_and_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _filled(path)
    before = _beside(path)
    with Store(path, read_only=True) as store:
        assert store.access == "query-only" and store.read_only
        assert store.has_snapshots("yahoo")
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
            store.db.execute("delete from snapshots")
    assert _beside(path) == before


def test_a_missing_file_reads_as_an_empty_store_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with Store(path, read_only=True) as store:
        assert store.watchlist_runs() == [] and not store.has_snapshots()
    assert not path.exists() and _beside(path) == []


def test_an_unwritable_store_is_read_immutable_with_no_wal_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    _filled(path)
    before = _beside(path)
    monkeypatch.setattr(store_module, "_writable", lambda target: False)
    for read_only in (True, False):  # a write command too: it reads, then refuses to write
        with Store(path, read_only=read_only) as store:
            assert store.access == "immutable" and store.read_only
            assert [r["number"] for r in store.watchlist_runs("core")] == [1, 2]
            with pytest.raises(DataError, match="read-only"):
                store.save_watchlist_run("core", {}, [])
        assert _beside(path) == before  # no -wal, no -shm


def test_with_a_writer_at_work_the_read_uses_its_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.db"
    _filled(path)
    writer = Store(path)
    monkeypatch.setattr(store_module, "_writable", lambda target: False)
    try:
        writer.save_watchlist_run("late", {"source": "yahoo"}, [{"ticker": "LITE"}])
        assert Path(f"{path}-wal").exists()
        with Store(path, read_only=True) as store:
            assert store.access == "read-only"
            assert {r["name"] for r in store.watchlist_runs()} == {"core", "other", "late"}
    finally:
        writer.close()


@pytest.mark.skipif(IS_ROOT, reason="root writes through chmod; the tests above cover it")
def test_a_read_only_folder_and_file_under_chmod(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "s.db"
    _filled(path)
    before = _beside(path)
    path.chmod(stat.S_IRUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with Store(path, read_only=True) as store:
            assert store.access == "immutable"
            assert len(store.watchlist_runs()) == 3
        assert _beside(path) == before
    finally:
        folder.chmod(stat.S_IRWXU)
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.fixture
def read_only_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A filled store in a folder this process may not write (chmod, or as root the patch)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "s.db"
    _filled(path)
    monkeypatch.setenv("SCREENER_DB", str(path))
    if IS_ROOT:
        monkeypatch.setattr(store_module, "_writable", lambda target: False)
    else:
        path.chmod(stat.S_IRUSR)
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield path
    folder.chmod(stat.S_IRWXU)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize(
    "args",
    [
        ("screen", "--source", "sample"),
        ("screen", "--offline"),
        ("screen",),
        ("explain", "300308", "--source", "sample"),
        ("watchlist", "list"),
        ("watchlist", "show", "core", "--run", "1"),
    ],
)
def test_reading_commands_work_on_a_read_only_store(
    run_cli, read_only_store: Path, args: tuple[str, ...]
) -> None:
    before = _beside(read_only_store)
    result = run_cli(*args)
    assert result.status == 0, result.err
    assert "error" not in result.err
    assert _beside(read_only_store) == before


def test_a_write_on_a_read_only_store_is_one_line(run_cli, read_only_store: Path) -> None:
    result = run_cli("watchlist", "save", "core", "--source", "sample")
    assert result.status == 1
    assert result.err.count("\n") == 1 and "read-only" in result.err, result.err


def test_a_db_in_a_missing_folder_is_refused_and_nothing_made(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "nodir" / "sub" / "x.db"
    for args in (("watchlist", "list"), ("watchlist", "save", "w"), ("screen", "--offline")):
        result = run_cli("--db", str(target), *args)
        assert result.status == 2, result.err
        assert result.err.count("\n") == 1 and "no such folder" in result.err
    assert not (tmp_path / "nodir").exists()


def test_the_default_store_folder_is_still_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCREENER_DB")
    with Store() as store:
        assert store.path.parent.is_dir() and store.path.name == "screener.db"


# -- run numbers per list -------------------------------------------------------------


def test_runs_are_numbered_per_list(run_cli, tmp_path: Path) -> None:
    for name in ("other", "other", "core"):
        result = run_cli("watchlist", "save", name, "--source", "sample")
        assert result.status == 0, result.err
    assert "saved run #1 of watchlist 'core'" in result.out
    shown = run_cli("watchlist", "show", "core", "--run", "1")
    assert shown.status == 0 and "run #1" in shown.out, shown.err
    missing = run_cli("watchlist", "show", "core", "--run", "2")
    assert missing.status == 2 and "runs: #1)" in missing.err
    listed = json.loads(run_cli("watchlist", "list", "--format", "json").out)
    assert {row["name"]: row["last_run"] for row in listed} == {"core": 1, "other": 2}
    perf = run_cli("watchlist", "perf", "other")
    assert perf.status == 0, perf.err
    assert "run #1 saved" in perf.out and "run #2 saved" in perf.out


def test_an_older_store_gets_its_runs_numbered_on_open(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _filled(path)  # core #1, other #1, core #2 (ids 1, 2, 3)
    with sqlite3.connect(path) as conn:  # as schema 2 left it: no numbers
        conn.execute("alter table watchlist_runs drop column number")
        conn.execute("pragma user_version = 2")
    conn.close()
    with pytest.MonkeyPatch.context() as mp:  # read-only first: counted, not written
        mp.setattr(store_module, "_writable", lambda target: False)
        with Store(path, read_only=True) as store:
            assert [(r["name"], r["number"]) for r in store.watchlist_runs()] == [
                ("core", 1),
                ("other", 1),
                ("core", 2),
            ]
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [r["number"] for r in store.watchlist_runs("core")] == [1, 2]
        assert store.save_watchlist_run("core", {}, []) == 3
    with sqlite3.connect(path) as conn:
        stored = conn.execute("select name, number from watchlist_runs order by id").fetchall()
    conn.close()
    assert stored == [("core", 1), ("other", 1), ("core", 2), ("core", 3)]
