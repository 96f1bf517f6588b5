"""The content store on SQLite and PostgreSQL: replace-by-day, upserts, locks."""

from __future__ import annotations

import threading
import time
from datetime import date

from filings_pipeline.edgar.models import Filing, SkippedFiling
from filings_pipeline.store import AnalysisRecord, ContentStore
from filings_pipeline.store.repository import Publication, StoredArticle

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
    assert [f.accession for f in got] == sorted(f.accession for f in filings)
    assert got[0].company == "Acme <Widgets> & Co"  # stored as data, unescaped
    assert got[0].items == ["2.02", "9.01"]
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
    rec2 = AnalysisRecord(
        "A1", "v1", "m", DAY, "bedrock", "ok", payload={"headline": "x"}, input_tokens=10
    )
    store.save_analysis(rec2)
    store.save_analysis(AnalysisRecord("A1", "v2", "m", DAY, "bedrock", "ok", payload={}))
    got = store.analyses_for(["A1"], "v1", "m")
    assert got["A1"].ok and got["A1"].input_tokens == 10
    assert store.count_rows("analyses") == 2  # (A1,v1,m) replaced, (A1,v2,m) separate
    assert store.analyses_for(["A1"], "v3", "m") == {}
    assert store.prune_analyses(DAY, keep=[]) == 2


def test_articles_publications_and_published_list(content_url: str) -> None:
    store = ContentStore(content_url)
    arts = [
        StoredArticle("A1", DAY, "s1", True, None, "h1", {"slug": "s1"}),
        StoredArticle("A2", DAY, "s2", False, "figures", "h2", {"slug": "s2"}),
    ]
    store.replace_articles(DAY, arts)
    store.replace_articles(DAY, arts)
    assert store.count_rows("articles", DAY) == 2
    store.replace_publications(
        DAY,
        [
            Publication("A1", DAY, "published", "s1"),
            Publication("A2", DAY, "held", "s2", "figures"),
        ],
    )
    assert store.published_articles() == [{"slug": "s1"}]
    store.replace_publications(DAY, [Publication("A2", DAY, "held", "s2", "figures")])
    assert store.published_articles() == []


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
