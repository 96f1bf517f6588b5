"""ContentStore: reads and writes the pipeline's content, one transaction per phase-day."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from filelock import FileLock

from filings_pipeline.edgar.models import Filing, SkippedFiling
from filings_pipeline.store import tables as t

_ENGINES: dict[str, sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC)


def _engine(url: str) -> sa.Engine:
    """One engine per URL per process; SQLite gets WAL and a generous busy timeout."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                path = sa.engine.make_url(url).database
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = sa.create_engine(url, connect_args={"timeout": 60})

                @sa.event.listens_for(engine, "connect")
                def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA busy_timeout=60000")
                    cur.close()

            else:
                engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
            _ENGINES[url] = engine
        return engine


@dataclass
class AnalysisRecord:
    """One stored analysis, keyed by (accession, prompt_version, model)."""

    accession: str
    prompt_version: str
    model: str
    day: date
    analyzer: str
    status: str  # ok | failed
    error: str | None = None
    payload: dict[str, Any] | None = None
    figures_ok: bool = True
    figure_problems: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    created_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class StoredArticle:
    """A rendered article as stored: the RenderedArticle dict plus publishing decision."""

    accession: str
    day: date
    slug: str
    publishable: bool
    hold_reason: str | None
    content_hash: str
    data: dict[str, Any]


@dataclass
class Publication:
    """The publishing decision for one filing of a day."""

    accession: str
    day: date
    status: str  # published | held
    slug: str | None = None
    reason: str | None = None
    path: str | None = None
    content_hash: str | None = None


def content_hash(data: dict[str, Any] | str | bytes) -> str:
    """Stable sha256 of a JSON-able dict or text."""
    if isinstance(data, dict):
        data = json.dumps(data, sort_keys=True, default=str)
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


class ContentStore:
    """SQLite by default, PostgreSQL by URL. Each replace_* call is one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        t.metadata.create_all(self.engine)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _replace_day(self, table: sa.Table, day: date, rows: list[dict[str, Any]]) -> None:
        """Make `table` hold exactly `rows` for `day`, in one transaction. Rows whose accession
        sat under another day move here (an accession belongs to one day only)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.day == day))
            if rows:
                accessions = [r["accession"] for r in rows]
                conn.execute(sa.delete(table).where(table.c.accession.in_(accessions)))
                conn.execute(sa.insert(table), rows)

    # ---- filings -------------------------------------------------------------------------
    def replace_filings(
        self, day: date, filings: Sequence[Filing], skipped: Sequence[SkippedFiling]
    ) -> None:
        """Make the day hold exactly these filings (ok and skipped), in one transaction."""
        now = _now()
        rows = [
            {
                "accession": f.accession,
                "day": day,
                "cik": f.cik,
                "company": f.company,
                "form": f.form,
                "status": "ok",
                "skip_reason": None,
                "text_length": len(f.text),
                "data": f.to_dict(),
                "ingested_at": now,
            }
            for f in filings
        ] + [
            {
                "accession": s.accession,
                "day": day,
                "cik": s.cik,
                "company": s.company,
                "form": s.form,
                "status": "skipped",
                "skip_reason": s.reason,
                "text_length": 0,
                "data": None,
                "ingested_at": now,
            }
            for s in skipped
        ]
        self._replace_day(t.filings, day, rows)

    def filings_for_day(self, day: date) -> list[Filing]:
        """The day's usable filings, ordered by accession."""
        q = (
            sa.select(t.filings.c.data)
            .where(t.filings.c.day == day, t.filings.c.status == "ok")
            .order_by(t.filings.c.accession)
        )
        with self.engine.connect() as conn:
            return [Filing.from_dict(r.data) for r in conn.execute(q)]

    def skipped_for_day(self, day: date) -> list[SkippedFiling]:
        """The day's skipped filings with their reasons."""
        c = t.filings.c
        q = (
            sa.select(c.accession, c.cik, c.company, c.form, c.skip_reason)
            .where(c.day == day, c.status == "skipped")
            .order_by(c.accession)
        )
        with self.engine.connect() as conn:
            return [
                SkippedFiling(r.accession, r.cik, r.company, r.form, r.skip_reason or "")
                for r in conn.execute(q)
            ]

    # ---- analyses ------------------------------------------------------------------------
    def analyses_for(
        self, accessions: Iterable[str], prompt_version: str, model: str
    ) -> dict[str, AnalysisRecord]:
        """Stored analyses for these accessions under the given prompt version and model."""
        accessions = list(accessions)
        if not accessions:
            return {}
        c = t.analyses.c
        q = sa.select(t.analyses).where(
            c.accession.in_(accessions), c.prompt_version == prompt_version, c.model == model
        )
        with self.engine.connect() as conn:
            return {r.accession: _analysis_from_row(r) for r in conn.execute(q)}

    def save_analysis(self, rec: AnalysisRecord) -> None:
        """Insert or replace one analysis (its own transaction, so a crash loses nothing done)."""
        row = _analysis_to_row(rec)
        c = t.analyses.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(t.analyses).where(
                    c.accession == rec.accession,
                    c.prompt_version == rec.prompt_version,
                    c.model == rec.model,
                )
            )
            conn.execute(sa.insert(t.analyses), [row])

    def prune_analyses(self, day: date, keep: Iterable[str]) -> int:
        """Delete analyses of the day for accessions no longer in it. Returns rows deleted."""
        keep = list(keep)
        c = t.analyses.c
        stmt = sa.delete(t.analyses).where(c.day == day)
        if keep:
            stmt = stmt.where(c.accession.not_in(keep))
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def count_rows(self, table: str, day: date | None = None) -> int:
        """Row count of a table, optionally for one day."""
        tbl = t.metadata.tables[table]
        q = sa.select(sa.func.count()).select_from(tbl)
        if day is not None:
            q = q.where(tbl.c.day == day)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    # ---- articles ------------------------------------------------------------------------
    def replace_articles(self, day: date, items: Sequence[StoredArticle]) -> None:
        """Make the day hold exactly these rendered articles, in one transaction."""
        now = _now()
        rows = [
            {
                "accession": a.accession,
                "day": day,
                "slug": a.slug,
                "prompt_version": a.data.get("prompt_version", ""),
                "model": a.data.get("model", ""),
                "publishable": a.publishable,
                "hold_reason": a.hold_reason,
                "content_hash": a.content_hash,
                "data": a.data,
                "rendered_at": now,
            }
            for a in items
        ]
        self._replace_day(t.articles, day, rows)

    def articles_for_day(self, day: date) -> list[StoredArticle]:
        """The day's rendered articles ordered by accession."""
        q = sa.select(t.articles).where(t.articles.c.day == day).order_by(t.articles.c.accession)
        with self.engine.connect() as conn:
            return [_article_from_row(r) for r in conn.execute(q)]

    # ---- publications --------------------------------------------------------------------
    def replace_publications(self, day: date, pubs: Sequence[Publication]) -> None:
        """Make the day hold exactly these publishing decisions, in one transaction."""
        now = _now()
        rows = [
            {
                "accession": p.accession,
                "day": day,
                "slug": p.slug,
                "status": p.status,
                "reason": p.reason,
                "path": p.path,
                "content_hash": p.content_hash,
                "published_at": now,
            }
            for p in pubs
        ]
        self._replace_day(t.publications, day, rows)

    def publications_for_day(self, day: date) -> list[Publication]:
        """The day's publishing decisions."""
        c = t.publications.c
        q = sa.select(t.publications).where(c.day == day).order_by(c.accession)
        with self.engine.connect() as conn:
            return [
                Publication(r.accession, r.day, r.status, r.slug, r.reason, r.path, r.content_hash)
                for r in conn.execute(q)
            ]

    def published_articles(self) -> list[dict[str, Any]]:
        """Every published article's stored RenderedArticle dict (all days), newest day first."""
        p, a = t.publications.c, t.articles.c
        q = (
            sa.select(t.articles.c.data)
            .join(t.publications, p.accession == a.accession)
            .where(p.status == "published")
            .order_by(a.day.desc(), a.accession)
        )
        with self.engine.connect() as conn:
            return [r.data for r in conn.execute(q)]

    def published_hashes(self) -> list[tuple[str, str]]:
        """(accession, content hash) of every published article, sorted: what the site shows."""
        p, a = t.publications.c, t.articles.c
        q = (
            sa.select(a.accession, a.content_hash)
            .join(t.publications, p.accession == a.accession)
            .where(p.status == "published")
            .order_by(a.accession)
        )
        with self.engine.connect() as conn:
            return [(r.accession, r.content_hash) for r in conn.execute(q)]

    # ---- site state ----------------------------------------------------------------------
    def site_state(self, destination: str) -> tuple[str, int, int] | None:
        """(fingerprint, files, articles) recorded after the last successful sync, or None."""
        c = t.site_state.c
        q = sa.select(c.fingerprint, c.files, c.articles).where(c.destination == destination)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return (row.fingerprint, row.files, row.articles) if row else None

    def record_site_state(
        self, destination: str, fingerprint: str, files: int, articles: int
    ) -> None:
        """Remember what a successful sync published to `destination`."""
        row = {
            "destination": destination,
            "fingerprint": fingerprint,
            "files": files,
            "articles": articles,
            "synced_at": _now(),
        }
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.site_state).where(t.site_state.c.destination == destination))
            conn.execute(sa.insert(t.site_state), [row])

    # ---- locking -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str, timeout_s: float = 600.0) -> Iterator[None]:
        """A lock every process sharing this store honours (advisory lock on PostgreSQL,
        a file lock next to the SQLite file otherwise)."""
        if self.is_postgres:
            key = zlib.crc32(name.encode()) & 0x7FFFFFFF
            with self.engine.connect() as conn:
                deadline = time.monotonic() + timeout_s
                while not conn.execute(
                    sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}
                ).scalar():
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"could not take lock {name!r} in {timeout_s:.0f}s")
                    time.sleep(0.2)
                try:
                    yield
                finally:
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        else:
            db = sa.engine.make_url(self.url).database or "memory"
            path = Path(f"{db}.{name}.lock") if db != ":memory:" else Path(f"/tmp/{name}.lock")
            with FileLock(str(path), timeout=timeout_s):
                yield


def _analysis_to_row(rec: AnalysisRecord) -> dict[str, Any]:
    return {
        "accession": rec.accession,
        "prompt_version": rec.prompt_version,
        "model": rec.model,
        "day": rec.day,
        "analyzer": rec.analyzer,
        "status": rec.status,
        "error": rec.error,
        "payload": rec.payload,
        "figures_ok": rec.figures_ok,
        "figure_problems": rec.figure_problems,
        "input_tokens": rec.input_tokens,
        "output_tokens": rec.output_tokens,
        "latency_ms": rec.latency_ms,
        "cost_usd": rec.cost_usd,
        "calls": rec.calls,
        "created_at": rec.created_at or _now(),
    }


def _analysis_from_row(r: Any) -> AnalysisRecord:
    return AnalysisRecord(
        accession=r.accession,
        prompt_version=r.prompt_version,
        model=r.model,
        day=r.day,
        analyzer=r.analyzer,
        status=r.status,
        error=r.error,
        payload=r.payload,
        figures_ok=bool(r.figures_ok),
        figure_problems=list(r.figure_problems or []),
        input_tokens=r.input_tokens,
        output_tokens=r.output_tokens,
        latency_ms=r.latency_ms,
        cost_usd=r.cost_usd,
        calls=r.calls,
        created_at=r.created_at,
    )


def _article_from_row(r: Any) -> StoredArticle:
    return StoredArticle(
        accession=r.accession,
        day=r.day,
        slug=r.slug,
        publishable=bool(r.publishable),
        hold_reason=r.hold_reason,
        content_hash=r.content_hash,
        data=r.data,
    )
