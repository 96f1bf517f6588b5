"""The Bedrock path through Dagster: the real boto3 client against the local Converse server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from bs4 import BeautifulSoup

from filings_pipeline.analysis.pricing import cost_usd
from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import AnalyzerResource
from filings_pipeline.devtools.converse_server import PLANTED_FIGURE, ConverseServer
from filings_pipeline.sample import generate_mirror
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

DAY = date(2026, 11, 17)
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
ASSETS = [filings, analyses, rendered_articles, published_articles]


@pytest.fixture
def converse(monkeypatch: pytest.MonkeyPatch):
    with ConverseServer(latency_s=0.02) as server:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("BEDROCK_MODEL_ID", MODEL)
        yield server


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: ConverseServer, **gen):
    root = tmp_path / "mirror"
    manifest = generate_mirror(root, [DAY], filings_per_day=8, bad_filings=False, **gen)
    monkeypatch.setenv("FILINGS_SOURCE", "sample")
    monkeypatch.setenv("FILINGS_SAMPLE_DIR", str(root))
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'content.db'}"
    resources = make_resources(url, tmp_path / "site")
    resources["analyzer"] = AnalyzerResource(kind="bedrock", endpoint_url=server.url)
    return manifest, resources, ContentStore(url)


def _meta(result: dg.ExecuteInJobResult, asset: str) -> dict:
    (mat,) = result.asset_materializations_for_node(asset)
    return {k: v.value for k, v in mat.metadata.items()}


def _checks(result: dg.ExecuteInJobResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_bedrock_day_counts_tokens_and_never_pays_twice(
    converse: ConverseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, resources, store = _setup(tmp_path, monkeypatch, converse)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
        assert result.success
        meta = _meta(result, "analyses")
        n = len(manifest.filings)
        ok_calls = [c for c in converse.calls if c.status == 200]
        assert meta["analyzer"] == "bedrock" and meta["model"] == MODEL
        assert meta["analysed_now"] == n and meta["failed"] == 0
        assert meta["model_calls"] == len(converse.calls) == n
        # tokens and dollars add up to what the server counted
        assert meta["input_tokens"] == sum(c.input_tokens for c in ok_calls)
        assert meta["output_tokens"] == sum(c.output_tokens for c in ok_calls)
        expected = cost_usd(MODEL, meta["input_tokens"], meta["output_tokens"])
        assert meta["cost_usd"] == pytest.approx(expected, rel=1e-6, abs=1e-6)
        recs = store.analyses_for([f.accession for f in manifest.filings], AnalysisKey("v1", MODEL))
        assert sum(r.input_tokens for r in recs.values()) == meta["input_tokens"]
        assert converse.peak_in_flight() <= 5
        assert _meta(result, "published_articles")["published"] == n
        page = next((tmp_path / "site" / "articles").glob("*.html")).read_text()
        assert MODEL in page

        # a second materialization makes zero calls
        again = dg.materialize(
            [analyses], partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
        assert _meta(again, "analyses")["model_calls"] == 0
        assert len(converse.calls) == n

        # force analyses again on purpose
        forced = dg.materialize(
            [analyses],
            partition_key=DAY.isoformat(),
            resources=resources,
            instance=instance,
            run_config={"ops": {"analyses": {"config": {"force": True}}}},
        )
        assert _meta(forced, "analyses")["model_calls"] == n
        assert len(converse.calls) == 2 * n
        assert store.count_rows("analyses", DAY) == n


def test_throttling_storm_ends_with_every_filing_analysed(
    converse: ConverseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    converse.throttle_fraction = 0.5
    manifest, resources, _ = _setup(tmp_path, monkeypatch, converse)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [filings, analyses],
            partition_key=DAY.isoformat(),
            resources=resources,
            instance=instance,
        )
    meta = _meta(result, "analyses")
    assert sum(c.status == 429 for c in converse.calls) > 0
    assert meta["failed"] == 0 and meta["analysed_now"] == len(manifest.filings)


def test_bad_answers_are_recorded_and_held_back_not_crashing_the_day(
    converse: ConverseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, resources, store = _setup(tmp_path, monkeypatch, converse)
    resources["analyzer"] = AnalyzerResource(kind="bedrock", endpoint_url=converse.url, workers=1)
    converse.inject("truncated")
    converse.inject("wrong_figure")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
    assert result.success
    meta = _meta(result, "analyses")
    assert meta["failed"] == 1 and "max_tokens" in meta["failed_reasons"]
    assert meta["figures_failed"] == 1
    checks = _checks(result)
    assert checks["figures_found_in_filing"] is False
    assert checks["no_failed_analyses"] is False
    assert checks["every_filing_published_or_held"] is True
    pubs = store.publications_for_day(DAY)
    held = {p.accession: p.reason for p in pubs if p.status == "held"}
    assert len(held) == 2
    assert any("max_tokens" in r for r in held.values())
    assert any(PLANTED_FIGURE in r for r in held.values())
    site = tmp_path / "site"
    assert PLANTED_FIGURE not in (site / "index.html").read_text()
    assert PLANTED_FIGURE not in (site / "feed.xml").read_text()
    assert len(list((site / "articles").glob("*.html"))) == len(manifest.filings) - 2


def test_hostile_text_stays_text_through_the_bedrock_path(
    converse: ConverseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, resources, _ = _setup(tmp_path, monkeypatch, converse, hostile=True)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
    assert result.success
    assert _checks(result)["no_active_markup_from_content"] is True
    pages = list((tmp_path / "site").rglob("*.html"))
    assert pages
    seen_payload = False
    for page in pages:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        assert not soup.find_all("script")
        assert not any(a.startswith("on") for tag in soup.find_all(True) for a in tag.attrs)
        seen_payload |= "<script>alert(1)</script>" in soup.get_text()
    assert seen_payload, "the hostile company name should be visible as text"


def test_article_held_back_after_reanalysis_is_retracted_everywhere(
    converse: ConverseServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, resources, store = _setup(tmp_path, monkeypatch, converse)
    resources["analyzer"] = AnalyzerResource(kind="bedrock", endpoint_url=converse.url, workers=1)
    site = tmp_path / "site"
    with dg.instance_for_test() as instance:
        first = dg.materialize(
            ASSETS, partition_key=DAY.isoformat(), resources=resources, instance=instance
        )
        assert _meta(first, "published_articles")["published"] == len(manifest.filings)
        before = {p.name for p in (site / "articles").glob("*.html")}

        converse.inject("wrong_figure")  # the first filing re-analysed now quotes a bad number
        again = dg.materialize(
            [analyses, rendered_articles, published_articles],
            partition_key=DAY.isoformat(),
            resources=resources,
            instance=instance,
            run_config={"ops": {"analyses": {"config": {"force": True}}}},
        )
    meta = _meta(again, "published_articles")
    assert meta["published"] == len(manifest.filings) - 1
    assert meta["files_retracted"] >= 2  # the article page and its email copies
    held = [p for p in store.publications_for_day(DAY) if p.status == "held"]
    assert len(held) == 1 and PLANTED_FIGURE in held[0].reason
    gone = before - {p.name for p in (site / "articles").glob("*.html")}
    assert gone == {f"{held[0].slug}.html"}
    assert held[0].slug in meta["urls_retracted"]
    for index in ("index.html", "feed.xml", "sitemap.xml", f"days/{DAY.isoformat()}.html"):
        assert held[0].slug not in (site / index).read_text(), index
