"""ContentStore: reads and writes the pipeline's content, one transaction per phase-day."""

from __future__ import annotations

import contextlib
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from filelock import FileLock

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.edgar.models import Filing, FilingHeader, SkippedFiling
from filings_pipeline.rendering.models import RenderedArticle
from filings_pipeline.store import tables as t
from filings_pipeline.store.batches import BatchBudgets, BatchCancels
from filings_pipeline.store.deliveries import DeliveryLedger
from filings_pipeline.store.records import (
    ANALYSIS,
    ARTICLE,
    DOCUMENT_FIELDS,
    FILING,
    HEADER,
    META,
    PUBLICATION,
    SKIPPED,
    AnalysisRecord,
    ArticleMeta,
    Publication,
    StoredArticle,
)
from filings_pipeline.store.reviews import ReviewBook
from filings_pipeline.store.site_index import (
    SiteIndex,
    SiteManifest,
    chunks,
    entry_row,
    refresh_aggregates,
)

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


class ContentStore:
    """SQLite by default, PostgreSQL by URL. Each replace_* call is one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        # Several processes open a fresh database at once (webserver, daemon, first runs):
        # create_all checks, then creates, so the schema is made under one lock per database.
        with self.lock("schema", timeout_s=300):
            inspector = sa.inspect(self.engine)
            new_aggregates = not all(
                inspector.has_table(x.name) for x in (t.site_companies, t.site_day_stats)
            )
            t.metadata.create_all(self.engine)
            t.add_missing_columns(self.engine)
            if new_aggregates:  # a store of an earlier version: fill them from its site index
                self.refresh_site_aggregates()

    def refresh_site_aggregates(self) -> None:
        """Recompute every day's and company's site aggregate from `site_entries` (after a
        bulk load that wrote site_entries directly, and once for a store made before them)."""
        with self.engine.begin() as conn:
            refresh_aggregates(conn, None, None)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def deliveries(self) -> DeliveryLedger:
        """The email delivery ledger (store/deliveries.py)."""
        return DeliveryLedger(self.engine)

    @property
    def budgets(self) -> BatchBudgets:
        """USD budgets shared by the runs of one CLI launch (store/batches.py)."""
        return BatchBudgets(self.engine)

    @property
    def batch_cancels(self) -> BatchCancels:
        """Batches `cancel` stopped (store/batches.py)."""
        return BatchCancels(self.engine)

    @property
    def reviews(self) -> ReviewBook:
        """Editors' decisions on articles (store/reviews.py)."""
        return ReviewBook(self.engine)

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
                **_filing_columns(f, day, now),
                "status": "ok",
                "skip_reason": None,
                "text_length": len(f.text),
                "data": HEADER.dump_python(f, mode="json"),
                "documents": FILING.dump_python(f, mode="json", include=DOCUMENT_FIELDS),
            }
            for f in filings
        ] + [
            {
                **_filing_columns(s, day, now),
                "status": "skipped",
                "skip_reason": s.reason,
                "text_length": 0,
                "data": None,
                "documents": None,
            }
            for s in skipped
        ]
        self._replace_day(t.filings, day, rows)

    def filings_for_day(self, day: date) -> list[Filing]:
        """The day's usable filings with their documents, ordered by accession."""
        c = t.filings.c
        q = sa.select(c.data, c.documents).where(c.day == day, c.status == "ok")
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(c.accession))
            return [FILING.validate_python({**r.data, **(r.documents or {})}) for r in rows]

    def filing_headers_for_day(self, day: date) -> list[FilingHeader]:
        """The day's usable filings without their documents (no text), ordered by accession."""
        c = t.filings.c
        q = sa.select(c.data).where(c.day == day, c.status == "ok").order_by(c.accession)
        with self.engine.connect() as conn:
            return [HEADER.validate_python(r.data) for r in conn.execute(q)]

    def accessions_for_day(self, day: date) -> list[str]:
        """The accession numbers of the day's usable filings, sorted."""
        c = t.filings.c
        q = sa.select(c.accession).where(c.day == day, c.status == "ok").order_by(c.accession)
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    def skipped_for_day(self, day: date) -> list[SkippedFiling]:
        """The day's skipped filings with their reasons."""
        c = t.filings.c
        q = (
            sa.select(c.accession, c.cik, c.company, c.form, c.skip_reason.label("reason"))
            .where(c.day == day, c.status == "skipped")
            .order_by(c.accession)
        )
        with self.engine.connect() as conn:
            return [
                SKIPPED.validate_python({**r._mapping, "reason": r.reason or ""})
                for r in conn.execute(q)
            ]

    # ---- analyses ------------------------------------------------------------------------
    def analyses_for(
        self, accessions: Iterable[str], key: AnalysisKey
    ) -> dict[str, AnalysisRecord]:
        """Stored analyses for these accessions under the given prompt version and model."""
        accessions = list(accessions)
        if not accessions:
            return {}
        c = t.analyses.c
        q = sa.select(t.analyses).where(
            c.accession.in_(accessions),
            c.prompt_version == key.prompt_version,
            c.model == key.model,
        )
        with self.engine.connect() as conn:
            return {
                r.accession: ANALYSIS.validate_python(dict(r._mapping)) for r in conn.execute(q)
            }

    def save_analysis(self, rec: AnalysisRecord) -> None:
        """Insert or replace one analysis (its own transaction, so a crash loses nothing done)."""
        row = ANALYSIS.dump_python(rec)
        row["created_at"] = rec.created_at or _now()
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

    # ---- analysis claims: one maker per (accession, prompt version, model) -----------------
    def claim_analysis(self, accession: str, key: AnalysisKey, holder: str, lease_s: float) -> bool:
        """Take the right to make this analysis, unless another live holder has it. A claim
        whose holder stopped renewing it (crashed) is taken over once it has expired."""
        c = t.analysis_claims.c
        now = time.time()
        values = {
            "accession": accession,
            "prompt_version": key.prompt_version,
            "model": key.model,
            "holder": holder,
            "expires": now + lease_s,
        }
        if self.is_postgres:
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(t.analysis_claims).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.accession, c.prompt_version, c.model],
            set_={"holder": holder, "expires": now + lease_s},
            where=(t.analysis_claims.c.expires <= now) | (t.analysis_claims.c.holder == holder),
        ).returning(c.holder)
        with self.engine.begin() as conn:
            self._no_flush_wait(conn)
            return conn.execute(stmt).first() is not None

    def _no_flush_wait(self, conn: sa.Connection) -> None:
        """Claims are leases: one lost in a server crash costs at most a second call, so their
        commits need not wait for the WAL flush (PostgreSQL)."""
        if self.is_postgres:
            conn.execute(sa.text("SET LOCAL synchronous_commit = off"))

    def renew_claims(self, holder: str, lease_s: float) -> int:
        """Push out the expiry of every claim `holder` has; returns how many."""
        c = t.analysis_claims.c
        stmt = (
            sa.update(t.analysis_claims)
            .where(c.holder == holder)
            .values(expires=time.time() + lease_s)
        )
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def release_claim(self, accession: str, key: AnalysisKey, holder: str) -> None:
        """Give a claim back (only one's own)."""
        c = t.analysis_claims.c
        stmt = sa.delete(t.analysis_claims).where(
            c.accession == accession,
            c.prompt_version == key.prompt_version,
            c.model == key.model,
            c.holder == holder,
        )
        with self.engine.begin() as conn:
            self._no_flush_wait(conn)
            conn.execute(stmt)

    def prune_analyses(self, day: date, keep: Iterable[str]) -> int:
        """Delete analyses of the day for accessions no longer in it. Returns rows deleted."""
        keep = list(keep)
        c = t.analyses.c
        stmt = sa.delete(t.analyses).where(c.day == day)
        if keep:
            stmt = stmt.where(c.accession.not_in(keep))
        with self.engine.begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def unanalysed_by_day(self, days: Iterable[date], key: AnalysisKey) -> dict[date, int]:
        """Per ingested day, its ok filings without a current (ok) analysis under `key`.
        Days with no filings rows (never ingested) are absent."""
        days = list(days)
        if not days:
            return {}
        f, a = t.filings.c, t.analyses.c
        current = sa.and_(
            a.accession == f.accession,
            a.prompt_version == key.prompt_version,
            a.model == key.model,
            a.status == "ok",
        )
        ingested = sa.select(f.day).where(f.day.in_(days)).distinct()
        missing = (
            sa.select(f.day, sa.func.count())
            .where(f.day.in_(days), f.status == "ok", ~sa.exists().where(current))
            .group_by(f.day)
        )
        with self.engine.connect() as conn:
            out = {r.day: 0 for r in conn.execute(ingested)}
            out.update({r[0]: int(r[1]) for r in conn.execute(missing)})
        return out

    def mean_tokens_per_filing(self, model: str) -> tuple[float, float, int] | None:
        """(input, output) tokens per analysed filing as recorded for `model`, and how many
        analyses that mean is over; None when no analysis made a model call yet."""
        a = t.analyses.c
        q = sa.select(
            sa.func.avg(a.input_tokens), sa.func.avg(a.output_tokens), sa.func.count()
        ).where(a.model == model, a.calls > 0)
        with self.engine.connect() as conn:
            mean_in, mean_out, n = conn.execute(q).one()
        return None if not n else (float(mean_in), float(mean_out), int(n))

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
                "accession": item.article.accession,
                "day": day,
                "slug": item.article.slug,
                "prompt_version": item.article.prompt_version,
                "model": item.article.model,
                "publishable": item.publishable,
                "hold_reason": item.hold_reason,
                "content_hash": item.content_hash,
                "data": ARTICLE.dump_python(item.article, mode="json"),
                "rendered_at": now,
            }
            for item in items
        ]
        self._replace_day(t.articles, day, rows)

    def articles_for_day(self, day: date) -> list[StoredArticle]:
        """The day's rendered articles with their bodies, ordered by accession."""
        c = t.articles.c
        q = sa.select(c.data, c.hold_reason).where(c.day == day).order_by(c.accession)
        with self.engine.connect() as conn:
            return [
                StoredArticle(ARTICLE.validate_python(r.data), r.hold_reason)
                for r in conn.execute(q)
            ]

    def article_meta_for_day(self, day: date) -> list[ArticleMeta]:
        """The day's rendered articles without their bodies, ordered by accession."""
        c = t.articles.c
        columns = [c.accession, c.day, c.slug, c.publishable, c.hold_reason, c.content_hash]
        q = sa.select(*columns).where(c.day == day).order_by(c.accession)
        with self.engine.connect() as conn:
            return [META.validate_python(dict(r._mapping)) for r in conn.execute(q)]

    # ---- publications --------------------------------------------------------------------
    def replace_publications(self, day: date, pubs: Sequence[Publication]) -> None:
        """Make the day hold exactly these publishing decisions and the site index exactly the
        day's published articles, in one transaction, with the day and company aggregates
        (`site_day_stats`, `site_companies`) of every day and company that changed."""
        now = _now()
        rows = [{**PUBLICATION.dump_python(p), "day": day, "published_at": now} for p in pubs]
        published = [p.accession for p in pubs if p.status == "published"]
        accessions = [r["accession"] for r in rows]
        e = t.site_entries.c
        with self.engine.begin() as conn:
            touched = set(conn.execute(sa.select(e.day, e.cik).where(e.day == day)).all())
            for part in chunks(accessions):
                q = sa.select(e.day, e.cik).where(e.accession.in_(part))
                touched |= set(conn.execute(q).all())
            for table, table_rows in ((t.publications, rows), (t.site_entries, None)):
                conn.execute(sa.delete(table).where(table.c.day == day))
                for part in chunks(accessions):
                    conn.execute(sa.delete(table).where(table.c.accession.in_(part)))
                if table_rows:
                    conn.execute(sa.insert(table), table_rows)
            for part in chunks(published):
                q = sa.select(t.articles.c.data).where(t.articles.c.accession.in_(part))
                entries = [entry_row(ARTICLE.validate_python(r.data)) for r in conn.execute(q)]
                if entries:
                    conn.execute(sa.insert(t.site_entries), entries)
                    touched |= {(r["day"], r["cik"]) for r in entries}
            days = {day} | {d for d, _ in touched}
            refresh_aggregates(conn, days, {int(c) for _, c in touched})

    def publications_for_day(self, day: date) -> list[Publication]:
        """The day's publishing decisions."""
        c = t.publications.c
        q = sa.select(t.publications).where(c.day == day).order_by(c.accession)
        with self.engine.connect() as conn:
            return [PUBLICATION.validate_python(dict(r._mapping)) for r in conn.execute(q)]

    def published_articles_for_day(self, day: date) -> list[RenderedArticle]:
        """The day's published articles with their bodies, ordered by accession."""
        p, a = t.publications.c, t.articles.c
        q = (
            sa.select(a.data)
            .join(t.publications, p.accession == a.accession)
            .where(p.status == "published", p.day == day)
            .order_by(a.accession)
        )
        with self.engine.connect() as conn:
            return [ARTICLE.validate_python(r.data) for r in conn.execute(q)]

    @property
    def site(self) -> SiteIndex:
        """Narrow reads of what the site lists (store/site_index.py)."""
        return SiteIndex(self.engine)

    def site_manifest(self, destination: str) -> SiteManifest:
        """What `destination` holds, path -> digest (store/site_index.py)."""
        return SiteManifest(self.engine, destination)

    # ---- site state ----------------------------------------------------------------------
    def site_state(self, destination: str) -> tuple[str, int, int] | None:
        """(fingerprint, files, articles) recorded after the last full rebuild, or None."""
        c = t.site_state.c
        q = sa.select(c.fingerprint, c.files, c.articles).where(c.destination == destination)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return (row.fingerprint, row.files, row.articles) if row else None

    def record_site_state(
        self, destination: str, fingerprint: str, files: int, articles: int
    ) -> None:
        """Remember what configuration a successful rebuild of `destination` used, and forget
        every day's sync marker (the rebuild made them all current)."""
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

    def synced_day(self, destination: str, day: date) -> str | None:
        """Digest of the day's decisions the last successful publish of it synced, or None."""
        c = t.site_days.c
        q = sa.select(c.decisions).where(c.destination == destination, c.day == day)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar()

    def record_synced_day(self, destination: str, day: date, decisions: str | None) -> None:
        """Remember (or, with None, forget) the day's decisions as synced to `destination`."""
        c = t.site_days.c
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.site_days).where(c.destination == destination, c.day == day))
            if decisions is not None:
                row = {"destination": destination, "day": day, "decisions": decisions}
                conn.execute(sa.insert(t.site_days), [row])

    def forget_synced_days(self, destination: str) -> None:
        """Forget every day's sync marker of `destination` (before a full rebuild)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.site_days).where(t.site_days.c.destination == destination))

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


def _filing_columns(f: Filing | SkippedFiling, day: date, now: datetime) -> dict[str, Any]:
    """The columns an ok and a skipped filing row share."""
    return {
        "accession": f.accession,
        "day": day,
        "cik": f.cik,
        "company": f.company,
        "form": f.form,
        "ingested_at": now,
    }
