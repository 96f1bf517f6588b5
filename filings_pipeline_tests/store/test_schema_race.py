"""Many processes opening one fresh store at once: every one gets a working store.

A deployment starts several processes on an empty database at the same moment (the webserver,
the daemon, the code server, the first run workers). `create_all` checks for a table, then
creates it: two processes that both check before either creates collide ("table analyses
already exists", seen in CI's live-desk test). The schema is now made under one lock per
database.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import sqlalchemy as sa

from filings_pipeline.store import tables as t

PROCESSES = 8
ROUNDS = 3


def _open_at(url: str, start_at: float, out: mp.Queue) -> None:
    from filings_pipeline.store import ContentStore

    time.sleep(max(0.0, start_at - time.time()))
    try:
        store = ContentStore(url)
        store.count_rows("analyses")
        out.put("ok")
    except Exception as exc:  # noqa: BLE001 - the test reports what each process met
        out.put(f"{type(exc).__name__}: {exc}".splitlines()[0])


def _open_all_at_once(url: str) -> list[str]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 4.0  # every child has imported SQLAlchemy by then
    procs = [ctx.Process(target=_open_at, args=(url, start_at, out)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    return results


def _drop_everything(url: str) -> None:
    engine = sa.create_engine(url)
    t.metadata.drop_all(engine)
    engine.dispose()


def test_processes_opening_a_fresh_store_at_once_all_succeed(
    content_url: str, tmp_path: Path
) -> None:
    for _ in range(ROUNDS):
        results = _open_all_at_once(content_url)
        assert results == ["ok"] * PROCESSES, results
        inspector = sa.inspect(sa.create_engine(content_url))
        assert set(t.metadata.tables) <= set(inspector.get_table_names())
        _drop_everything(content_url)
