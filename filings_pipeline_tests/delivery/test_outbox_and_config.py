"""FILINGS_EMAIL_TRANSPORT=none writes to the outbox folder; configuration errors are clear."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from filings_pipeline.delivery import DeliveryConfig, DeliveryConfigError, deliver_digest
from filings_pipeline.delivery.config import PLACEHOLDER_RECIPIENT, parse_recipients
from filings_pipeline.rendering.models import SiteConfig
from filings_pipeline.settings import Settings
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.delivery.conftest import DAY, SITE


def test_outbox_writes_one_message_per_reader_and_rewrites_nothing(
    day_store: ContentStore, tmp_path: Path
) -> None:
    config = DeliveryConfig(recipients=("a@example.com", "b@example.com"), outbox_dir=tmp_path)
    first = deliver_digest(day_store, DAY, SiteConfig(), config)
    files = sorted((tmp_path / DAY.isoformat()).glob("*.eml"))
    assert [f.name for f in files] == ["a@example.com.eml", "b@example.com.eml"]
    mtimes = [f.stat().st_mtime_ns for f in files]
    again = deliver_digest(day_store, DAY, SiteConfig(), config)
    assert first.written == again.written == [str(f) for f in files]
    assert [f.stat().st_mtime_ns for f in files] == mtimes
    msg = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert msg["To"] == "a@example.com" and msg.get_content_type() == "multipart/alternative"
    assert day_store.deliveries.for_day(DAY) == {}  # the outbox is no delivery


def test_outbox_without_a_list_writes_one_preview(day_store: ContentStore, tmp_path: Path):
    report = deliver_digest(day_store, DAY, SITE, DeliveryConfig(outbox_dir=tmp_path))
    assert [Path(p).name for p in report.written] == [f"{PLACEHOLDER_RECIPIENT}.eml"]


def test_a_day_without_articles_sends_nothing(content_url: str, tmp_path: Path) -> None:
    report = deliver_digest(
        ContentStore(content_url), DAY, SITE, DeliveryConfig(outbox_dir=tmp_path)
    )
    assert report.note and report.written == [] and not tmp_path.joinpath("2026-11-16").exists()


def test_recipients_from_a_list_or_a_file(tmp_path: Path) -> None:
    assert parse_recipients("A@Example.com, Bo <b@example.org>,a@example.com") == (
        "a@example.com",
        "b@example.org",
    )
    f = tmp_path / "list.txt"
    f.write_text("# readers\nx@example.com\n\ny@example.com  # desk\n")
    assert parse_recipients(f"@{f}") == ("x@example.com", "y@example.com")
    f.write_text("x@example.com\nnot-an-address\n")
    with pytest.raises(DeliveryConfigError, match="entry 2"):
        parse_recipients(f"@{f}")
    with pytest.raises(DeliveryConfigError, match="cannot read"):
        parse_recipients(f"@{tmp_path / 'missing.txt'}")


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FILINGS_EMAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("FILINGS_EMAIL_FROM", "Desk <desk@news.example.org>")
    monkeypatch.setenv("FILINGS_EMAIL_TO", "a@example.com,b@example.com")
    monkeypatch.setenv("FILINGS_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("FILINGS_SMTP_STARTTLS", "false")
    monkeypatch.setenv("FILINGS_EMAIL_RESEND_CHANGED", "yes")
    c = DeliveryConfig.from_settings(Settings())
    assert (c.transport, c.sender_domain, c.recipients) == (
        "smtp",
        "news.example.org",
        ("a@example.com", "b@example.com"),
    )
    assert (c.smtp_host, c.port, c.smtp_starttls, c.resend_changed) == (
        "mail.example.org",
        25,
        False,
        True,
    )
    assert c.outbox_dir == tmp_path / "outbox"
    monkeypatch.setenv("FILINGS_EMAIL_TRANSPORT", "pigeon")
    with pytest.raises(DeliveryConfigError, match="FILINGS_EMAIL_TRANSPORT"):
        DeliveryConfig.from_settings(Settings())
    monkeypatch.setenv("FILINGS_EMAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("FILINGS_SMTP_STARTTLS", "maybe")
    with pytest.raises(ValueError, match="FILINGS_SMTP_STARTTLS"):
        Settings()
    monkeypatch.setenv("FILINGS_SMTP_STARTTLS", "true")
    monkeypatch.setenv("FILINGS_EMAIL_TO", "")
    with pytest.raises(DeliveryConfigError, match="FILINGS_EMAIL_TO"):
        DeliveryConfig.from_settings(Settings()).list_for_sending()
