"""The content store on SQLite and PostgreSQL: replace-by-day, upserts, locks."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import sqlalchemy as sa

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.edgar.models import Exhibit, Filing, SkippedFiling
from filings_pipeline.store import AnalysisRecord, ContentStore
from filings_pipeline.store import tables as t
from filings_pipeline.store.records import FILING, Publication, StoredArticle
from filings_pipeline_tests.rendering.factories import make_analysis, make_articles

DAY = date(2026, 11, 16)


def make_filing(acc: str, day: date = DAY, text: str = "Revenue was $1.2 billion.") -> Filing:
    return Filing(
        accession=acc,
        cik=1234567,
        company="Acme <Widgets> & Co",
        form="8-K",
        day=day,
        date_filed=day,
        primary_document="a.htm",
        primary_url="file:///x/a.htm",
        index_url="file:///x/a-index.html",
        text=text,
        items=["2.02", "9.01"],
        sections={"2.02": "Results"},
        tickers=["ACME"],
        exhibits=[Exhibit("EX-99.1", "ex991.htm", "file:///x/ex991.htm", "Press release")],
    )


def test_replace_filings_twice_keeps_counts(content_url: str) -> None:
    store = ContentStore(content_url)
    filings = [make_filing(f"0000000001-26-00000{i}") for i in range(3)]
    skipped = [SkippedFiling("0000000001-26-000009", 1, "Bad Co", "8-K", "primary document empty")]
    store.replace_filings(DAY, filings, skipped)
    first = store.count_rows("filings", DAY)
    store.replace_filings(DAY, filings, skipped)
    assert store.count_rows("filings", DAY) == first == 4
    got = store.filings_for_day(DAY)
    assert got == sorted(filings, key=lambda f: f.accession)  # every field, typed, back
    assert got[0].company == "Acme <Widgets> & Co"  # stored as data, unescaped
    assert got[0].items == ["2.02", "9.01"]
    headers = store.filing_headers_for_day(DAY)
    assert [h.accession for h in headers] == [f.accession for f in got]
    assert not any(hasattr(h, "text") for h in headers)  # the narrow read has no documents
    assert (headers[0].company, headers[0].sec_url) == (got[0].company, got[0].sec_url)
    assert store.accessions_for_day(DAY) == [f.accession for f in got]
    assert [s.reason for s in store.skipped_for_day(DAY)] == ["primary document empty"]


def test_replace_filings_drops_rows_no_longer_listed(content_url: str) -> None:
    store = ContentStore(content_url)
    store.replace_filings(
        DAY, [make_filing("0000000001-26-000001"), make_filing("0000000001-26-000002")], []
    )
    store.replace_filings(DAY, [make_filing("0000000001-26-000002")], [])
    assert [f.accession for f in store.filings_for_day(DAY)] == ["0000000001-26-000002"]


def test_analysis_upsert_and_keying(content_url: str) -> None:
    store = ContentStore(content_url)
    rec = AnalysisRecord("A1", "v1", "m", DAY, "bedrock", "failed", error="max_tokens")
    store.save_analysis(rec)
    analysis = make_analysis(headline="Acme <b>posts</b> results")
    rec2 = AnalysisRecord("A1", "v1", "m", DAY, "bedrock", "ok", payload=analysis, input_tokens=10)
    store.save_analysis(rec2)
    store.save_analysis(AnalysisRecord("A1", "v2", "m", DAY, "bedrock", "ok", payload=analysis))
    got = store.analyses_for(["A1"], AnalysisKey("v1", "m"))
    assert got["A1"].ok and got["A1"].input_tokens == 10
    assert got["A1"].payload == analysis and got["A1"].key == AnalysisKey("v1", "m")
    assert store.count_rows("analyses") == 2  # (A1,v1,m) replaced, (A1,v2,m) separate
    assert store.analyses_for(["A1"], AnalysisKey("v3", "m")) == {}
    assert store.prune_analyses(DAY, keep=[]) == 2


def test_articles_publications_and_published_list(content_url: str) -> None:
    store = ContentStore(content_url)
    one, two = make_articles(2, days=1)
    arts = [StoredArticle(one), StoredArticle(two, "figures")]
    store.replace_articles(DAY, arts)
    store.replace_articles(DAY, arts)
    assert store.count_rows("articles", DAY) == 2
    assert store.articles_for_day(DAY) == arts
    meta = store.article_meta_for_day(DAY)
    assert [(m.accession, m.slug, m.publishable, m.hold_reason) for m in meta] == [
        (one.accession, one.slug, True, None),
        (two.accession, two.slug, False, "figures"),
    ]
    assert [m.content_hash for m in meta] == [a.content_hash for a in arts]
    assert not any(hasattr(m, "article_html") for m in meta)  # metadata only, no bodies
    pubs = [
        Publication(one.accession, DAY, "published", one.slug),
        Publication(two.accession, DAY, "held", two.slug, "figures"),
    ]
    store.replace_publications(DAY, pubs)
    assert store.publications_for_day(DAY) == pubs
    assert store.published_articles_for_day(DAY) == [one]
    listed = store.site.for_day(DAY)  # what the site lists of it: everything but the bodies
    assert [a.accession for a in listed] == [one.accession] and listed[0].article_html == ""
    assert listed[0].headline == one.headline and store.site.count() == 1
    store.replace_publications(DAY, pubs[1:])
    assert store.published_articles_for_day(DAY) == [] and store.site.for_day(DAY) == []


def test_lock_serialises_threads(content_url: str) -> None:
    store = ContentStore(content_url)
    inside = []
    peak = []

    def worker() -> None:
        with store.lock("site-publish"):
            inside.append(1)
            peak.append(len(inside))
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert max(peak) == 1 and len(peak) == 4


def test_a_store_made_before_the_documents_column_still_reads(content_url: str) -> None:
    """An earlier version kept the whole filing (documents too) in `data` and had no
    `documents` column: opening the store adds the column, and old rows read back whole."""
    old = sa.MetaData()
    columns = [
        sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in t.filings.columns
        if c.name != "documents"
    ]
    table = sa.Table("filings", old, *columns)
    engine = sa.create_engine(content_url)
    old.create_all(engine)
    filing = make_filing("0000000001-26-000007")
    with engine.begin() as conn:
        conn.execute(
            sa.insert(table),
            [
                {
                    "accession": filing.accession,
                    "day": DAY,
                    "cik": filing.cik,
                    "company": filing.company,
                    "form": filing.form,
                    "status": "ok",
                    "text_length": len(filing.text),
                    "data": FILING.dump_python(filing, mode="json"),
                    "ingested_at": datetime.now(UTC),
                }
            ],
        )
    engine.dispose()
    store = ContentStore(content_url)
    assert store.filings_for_day(DAY) == [filing]
    assert [h.accession for h in store.filing_headers_for_day(DAY)] == [filing.accession]
    store.replace_filings(DAY, [filing], [])  # new rows go to both columns
    assert store.filings_for_day(DAY) == [filing]
