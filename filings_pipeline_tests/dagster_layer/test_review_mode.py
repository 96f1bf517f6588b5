"""FILINGS_PUBLISH_MODE=review through Dagster: pending articles stay off the site and the
digest until an editor approves them (CLI and review_job), then the review sensor re-publishes."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from filings_pipeline.cli import main
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.delivery.assets import digest_emails
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import ContentStoreResource
from filings_pipeline.defs.review.jobs import review_job, review_sensor
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

ASSETS = [filings, analyses, rendered_articles, published_articles, digest_emails]


def _meta(result: dg.ExecuteInJobResult, asset: str) -> dict:
    (mat,) = result.asset_materializations_for_node(asset)
    return {k: v.value for k, v in mat.metadata.items()}


def _on_site(site: Path) -> set[str]:
    return {p.name for p in (site / "articles").glob("*.html")} if site.exists() else set()


def test_pending_articles_stay_off_the_site_until_approved(
    mirror, content_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILINGS_PUBLISH_MODE", "review")
    monkeypatch.setenv("FILINGS_DB_URL", content_url)
    day = mirror.days[0]
    key = day.isoformat()
    site = tmp_path / "site"
    resources = make_resources(content_url, site)
    store = ContentStore(content_url)
    runner = CliRunner()
    with dg.instance_for_test() as instance:
        first = dg.materialize(ASSETS, partition_key=key, resources=resources, instance=instance)
        assert first.success
        meta = _meta(first, "published_articles")
        articles = {a.accession: a for a in store.article_meta_for_day(day) if a.publishable}
        assert len(articles) >= 3
        assert meta["publish_mode"] == "review" and meta["published"] == 0
        assert meta["pending_review"] == len(articles)
        assert _on_site(site) == set()
        assert _meta(first, "digest_emails")["articles"] == 0  # nothing approved: no digest
        checks = {e.check_name: e.passed for e in first.get_asset_check_evaluations()}
        assert checks["every_filing_published_or_held"]  # pending counts as accounted for

        listed = runner.invoke(main, ["review", "list", "--json"])
        assert listed.exit_code == 0, listed.output
        assert {i["accession"] for i in json.loads(listed.output)} == set(articles)

        keep, drop, *wait = sorted(articles)
        ok = runner.invoke(main, ["review", "approve", keep, "--editor", "ed"])
        assert ok.exit_code == 0 and key in ok.output, ok.output
        no_reason = runner.invoke(main, ["review", "reject", drop])
        assert no_reason.exit_code != 0 and "--reason" in no_reason.output
        unknown = runner.invoke(main, ["review", "approve", "0000000000-00-000000"])
        assert unknown.exit_code != 0 and "no rendered article" in unknown.output
        # the UI path: review_job with config
        job = review_job.execute_in_process(
            run_config={
                "ops": {
                    "record_review": {
                        "config": {"accessions": [drop], "decision": "reject", "reason": "dull"}
                    }
                }
            },
            resources={"store": ContentStoreResource(db_url=content_url)},
            instance=instance,
        )
        assert job.success

        # the review sensor asks for the decided day to be published again, once
        ctx = dg.build_sensor_context(
            instance=instance, resources={"store": ContentStoreResource(db_url=content_url)}
        )
        result = review_sensor(ctx)
        assert [r.partition_key for r in result.run_requests] == [key]
        again = review_sensor(
            dg.build_sensor_context(
                instance=instance,
                cursor=result.cursor,
                resources={"store": ContentStoreResource(db_url=content_url)},
            )
        )
        assert isinstance(again, dg.SkipReason)

        second = dg.materialize(
            ASSETS[3:], partition_key=key, resources=resources, instance=instance
        )
        assert second.success
        meta = _meta(second, "published_articles")
    slugs = {a.slug + ".html": acc for acc, a in articles.items()}
    assert {slugs[name] for name in _on_site(site)} == {keep}
    pubs = {p.accession: p for p in store.publications_for_day(day)}
    assert pubs[keep].status == "published"
    assert pubs[drop].status == "held" and "dull" in pubs[drop].reason
    assert all(pubs[a].status == "pending" for a in wait)
    assert meta["published"] == 1 and meta["pending_review"] == len(wait)
    # the digest lists the approved article only
    digest = _meta(second, "digest_emails")
    assert digest["articles"] == 1
    (path,) = (tmp_path / "data" / "outbox" / key).glob("*.eml")
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = msg.get_body(("plain",)).get_content()
    assert articles[keep].slug in text
    assert not any(articles[a].slug in text for a in [drop, *wait])


def test_auto_mode_publishes_everything_publishable(
    mirror, content_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FILINGS_PUBLISH_MODE", raising=False)
    day = mirror.days[0]
    resources = make_resources(content_url, tmp_path / "site")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS[:4], partition_key=day.isoformat(), resources=resources, instance=instance
        )
    meta = _meta(result, "published_articles")
    store = ContentStore(content_url)
    publishable = [a for a in store.article_meta_for_day(day) if a.publishable]
    assert meta["publish_mode"] == "auto" and meta["pending_review"] == 0
    assert meta["published"] == len(publishable) == len(_on_site(tmp_path / "site"))
