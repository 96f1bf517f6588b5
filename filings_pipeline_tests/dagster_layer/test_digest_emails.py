"""digest_emails through Dagster: a day's digest reaches a real SMTP server once per reader."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.delivery.assets import digest_emails
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import EmailResource
from filings_pipeline.devtools.smtp_server import RecordingHandler, SmtpServer
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.dagster_layer.conftest import make_resources

ASSETS = [filings, analyses, rendered_articles, published_articles, digest_emails]
BASE = "https://news.example.org"


def _meta(result: dg.ExecuteInJobResult) -> dict:
    (mat,) = result.asset_materializations_for_node("digest_emails")
    return {k: v.value for k, v in mat.metadata.items()}


def test_digest_sent_once_per_reader_then_skipped(
    mirror, content_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = mirror.days[0]
    people = [f"r{i}@example.com" for i in range(4)]
    refused = "r2@example.com"
    monkeypatch.setenv("FILINGS_SMTP_STARTTLS", "false")
    monkeypatch.setenv("FILINGS_EMAIL_FROM", "Desk <desk@news.example.org>")
    handler = RecordingHandler(refuse={refused: "550 5.1.1 unknown user"})
    with SmtpServer(handler) as smtp, dg.instance_for_test() as instance:
        email = EmailResource(
            transport="smtp", email_to=",".join(people), smtp_host="127.0.0.1", smtp_port=smtp.port
        )
        resources = make_resources(content_url, tmp_path / "site", base_url=BASE, email=email)
        first = dg.materialize(
            ASSETS, partition_key=day.isoformat(), resources=resources, instance=instance
        )
        again = dg.materialize(
            [digest_emails], partition_key=day.isoformat(), resources=resources, instance=instance
        )
    assert first.success and again.success
    m1, m2 = _meta(first), _meta(again)
    assert (m1["sent"], m1["skipped"], m1["failed"]) == (3, 0, 1)
    assert (m2["sent"], m2["skipped"], m2["failed"]) == (0, 3, 0)
    assert "unknown user" in m2["failed_reasons"]  # recorded, still shown
    assert handler.per_recipient() == {p: 1 for p in people if p != refused}
    published = [p for p in ContentStore(content_url).publications_for_day(day)]
    n = sum(p.status == "published" for p in published)
    assert m1["articles"] == n > 0
    assert not list((tmp_path / "site").rglob("*.eml"))


def test_default_transport_writes_the_outbox_not_the_site(
    mirror, content_url: str, tmp_path: Path
) -> None:
    day = mirror.days[0]
    resources = make_resources(content_url, tmp_path / "site")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS, partition_key=day.isoformat(), resources=resources, instance=instance
        )
    assert result.success
    meta = _meta(result)
    assert meta["transport"] == "none" and meta["sent"] == 0
    outbox = tmp_path / "data" / "outbox" / day.isoformat()
    assert [p.name for p in outbox.glob("*.eml")] == ["readers@filings-desk.invalid.eml"]
    assert not list((tmp_path / "site").rglob("*.eml"))
