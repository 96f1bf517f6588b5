"""One filing day through all four assets with `materialize` on a real (temporary) instance."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from bs4 import BeautifulSoup

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import WEEKEND, make_resources

ASSETS = [filings, analyses, rendered_articles, published_articles]
TABLES = ("filings", "analyses", "articles", "publications")


def _meta(result: dg.ExecuteInJobResult, asset: str) -> dict:
    mats = result.asset_materializations_for_node(asset)
    assert len(mats) == 1
    return {k: v.value for k, v in mats[0].metadata.items()}


def test_day_through_all_phases_then_again(mirror, content_url: str, tmp_path: Path) -> None:
    bad_days = sorted({f.day for f in mirror.filings if f.bad_reason})
    assert bad_days, "the bundled sample must carry at least one deliberately bad filing"
    DAY = bad_days[0]
    site = tmp_path / "site"
    resources = make_resources(content_url, site)
    store = ContentStore(content_url)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
        assert result.success
        ingest = _meta(result, "filings")
        listed = [f for f in mirror.filings if f.day == DAY]
        bad = [f for f in listed if f.bad_reason]
        assert ingest["listed"] == len(listed)
        assert ingest["skipped"] == len(bad)
        assert ingest["ingested"] == len(listed) - len(bad)
        analysed = _meta(result, "analyses")
        assert analysed["analyzer"] == "offline"
        assert analysed["analysed_now"] == ingest["ingested"]
        assert analysed["model_calls"] == 0 and analysed["cost_usd"] == 0
        published = _meta(result, "published_articles")
        counts = {t: store.count_rows(t, DAY) for t in TABLES}

        # every listed filing is either published (linked from the homepage) or skipped/held
        home = BeautifulSoup((site / "index.html").read_text(), "html.parser")
        links = {a["href"] for a in home.find_all("a", href=True)}
        pubs = {p.accession: p for p in store.publications_for_day(DAY)}
        skipped = {s.accession: s.reason for s in store.skipped_for_day(DAY)}
        for f in listed:
            if f.accession in skipped:
                assert skipped[f.accession]
                continue
            pub = pubs[f.accession]
            if pub.status == "published":
                assert (site / pub.path).is_file()
                assert any(h.endswith(pub.path.split("/")[-1]) for h in links), pub.path
            else:
                assert pub.reason
        assert published["published"] == sum(p.status == "published" for p in pubs.values())

        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks["every_filing_published_or_held"]
        assert checks["site_links_resolve"]
        assert checks["feed_and_sitemap_valid"]
        assert checks["no_active_markup_from_content"]

        # again: same rows, no new analyses, site unchanged
        again = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
        assert again.success
        assert {t: store.count_rows(t, DAY) for t in TABLES} == counts
        assert _meta(again, "analyses")["analysed_now"] == 0
        assert _meta(again, "analyses")["reused"] == ingest["ingested"]
        assert _meta(again, "published_articles")["files_new"] == 0
        assert _meta(again, "published_articles")["files_updated"] == 0


def test_weekend_day_materializes_empty(mirror, content_url: str, tmp_path: Path) -> None:
    resources = make_resources(content_url, tmp_path / "site")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [filings], partition_key=WEEKEND.isoformat(), resources=resources, instance=instance
        )
    assert result.success
    meta = _meta(result, "filings")
    assert meta["index_published"] is False and meta["listed"] == 0
    assert meta["note"]
