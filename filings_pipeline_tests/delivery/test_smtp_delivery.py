"""The digest sent through a real SMTP server on 127.0.0.1 (aiosmtpd), read back and parsed."""

from __future__ import annotations

import ssl
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from filings_pipeline.delivery import DeliveryConfigError, deliver_digest
from filings_pipeline.delivery.transports import SmtpTransport
from filings_pipeline.devtools.smtp_server import (
    RecordingHandler,
    SmtpServer,
    free_port,
    self_signed,
)
from filings_pipeline.sample.companies import HOSTILE_NAME_PAYLOAD, HOSTILE_TEXT_PAYLOAD
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.delivery.conftest import (
    DAY,
    SITE,
    articles,
    publish,
    readers,
    smtp_config,
)
from filings_pipeline_tests.rendering.html_checks import executable_markup, visible_text


def test_each_reader_gets_one_proper_newsletter_and_a_rerun_sends_none(
    day_store: ContentStore, tmp_path: Path
) -> None:
    people = readers(5)
    with SmtpServer() as smtp:
        config = smtp_config(smtp.port, people, tmp_path)
        first = deliver_digest(day_store, DAY, SITE, config)
        again = deliver_digest(day_store, DAY, SITE, config)
        received = list(smtp.handler.received)
    assert sorted(first.sent) == sorted(people) and first.skipped == []
    assert again.sent == [] and sorted(again.skipped) == sorted(people)
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(people)
    ids = set()
    for item in received:
        msg = item.message
        assert item.mail_from == "desk@news.example.org"
        assert msg["To"] == item.rcpt_tos[0]
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["Message-ID"].endswith("@news.example.org>")
        assert parsedate_to_datetime(msg["Date"]).date() == DAY
        assert msg["Subject"] == "Filings Desk: 3 articles from filings of Nov 16, 2026"
        unsub = msg["List-Unsubscribe"]
        assert "<mailto:unsubscribe@news.example.org" in unsub
        assert "<https://news.example.org/unsubscribe?list=digest&r=" in unsub
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = msg.get_body(("html",)).get_content()
        text = msg.get_body(("plain",)).get_content()
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find("style") is None and soup.find("link") is None
        assert soup.find("img") is None  # no remote (or any) images
        links = [a["href"] for a in soup.find_all("a", href=True)]
        assert links and all(h.startswith(("https://", "http://")) for h in links), links
        assert any("unsubscribe" in h for h in links) and "Unsubscribe:" in text
        assert all(f"https://news.example.org/articles/{a.slug}.html" in text for a in articles(3))
        ids.add(msg["Message-ID"])
    assert len(ids) == len(people)  # one Message-ID per reader


def test_hostile_text_from_the_sample_is_escaped_in_both_parts(
    content_url: str, tmp_path: Path
) -> None:
    store = ContentStore(content_url)
    publish(store, articles(2, company=f"Evil Corp {HOSTILE_NAME_PAYLOAD} {HOSTILE_TEXT_PAYLOAD}"))
    with SmtpServer() as smtp:
        deliver_digest(store, DAY, SITE, smtp_config(smtp.port, ["ed@example.com"], tmp_path))
        (item,) = smtp.handler.received
    msg = item.message
    html = msg.get_body(("html",)).get_content()
    assert executable_markup(html) == []
    assert HOSTILE_NAME_PAYLOAD in visible_text(html)  # shown as text, not run
    assert "&lt;script&gt;" in html
    assert HOSTILE_NAME_PAYLOAD in msg.get_body(("plain",)).get_content()


def test_a_refused_reader_is_recorded_and_the_rest_go_on(
    day_store: ContentStore, tmp_path: Path
) -> None:
    people = readers(6)
    bad = people[2]
    handler = RecordingHandler(refuse={bad: "550 5.1.1 no such mailbox"})
    with SmtpServer(handler) as smtp:
        config = smtp_config(smtp.port, people, tmp_path)
        first = deliver_digest(day_store, DAY, SITE, config)
        again = deliver_digest(day_store, DAY, SITE, config)
    assert set(first.sent) == set(people) - {bad}
    assert list(first.failed) == [bad] and "550 5.1.1 no such mailbox" in first.failed[bad]
    row = day_store.deliveries.get(DAY, bad)
    assert row is not None and row.status == "failed" and "no such mailbox" in row.reason
    assert again.sent == [] and list(again.failed_earlier) == [bad]
    assert smtp.handler.per_recipient() == {p: 1 for p in people if p != bad}


def test_a_deferred_reader_is_retried_never_dropped(
    day_store: ContentStore, tmp_path: Path
) -> None:
    people = readers(4)
    soon, later = people[1], people[3]
    handler = RecordingHandler(defer={soon: 2, later: 99})
    with SmtpServer(handler) as smtp:
        config = smtp_config(smtp.port, people, tmp_path, attempts=3)
        first = deliver_digest(day_store, DAY, SITE, config)
        assert soon in first.sent  # two 451s, then accepted within the run's three tries
        assert list(first.retry) == [later] and "451" in first.retry[later]
        assert not first.complete and first.failed == {}
        assert day_store.deliveries.get(DAY, later).status == "retry"
        handler.defer[later] = 0  # the mailbox is back
        second = deliver_digest(day_store, DAY, SITE, config)
    assert second.sent == [later] and second.complete
    assert smtp.handler.per_recipient() == {p: 1 for p in people}


def test_server_down_is_transient_and_the_list_waits(
    day_store: ContentStore, tmp_path: Path
) -> None:
    people = readers(3)
    port = free_port()  # nothing listens yet
    config = smtp_config(port, people, tmp_path, attempts=2)
    down = deliver_digest(day_store, DAY, SITE, config)
    assert down.sent == [] and down.failed == {} and set(down.retry) == set(people)
    assert all("cannot reach" in r or "not tried" in r for r in down.retry.values())
    with SmtpServer(port=port) as smtp:
        up = deliver_digest(day_store, DAY, SITE, config)
    assert sorted(up.sent) == sorted(people)
    assert smtp.handler.per_recipient() == {p: 1 for p in people}


def test_a_changed_digest_is_resent_only_when_configured(
    day_store: ContentStore, tmp_path: Path
) -> None:
    people = readers(2)
    with SmtpServer() as smtp:
        config = smtp_config(smtp.port, people, tmp_path)
        deliver_digest(day_store, DAY, SITE, config)
        publish(day_store, articles(4))  # an article added to the day later
        quiet = deliver_digest(day_store, DAY, SITE, config)
        assert quiet.sent == [] and sorted(quiet.not_resent) == sorted(people)
        loud = deliver_digest(day_store, DAY, SITE, smtp_config(
            smtp.port, people, tmp_path, resend_changed=True))  # fmt: skip
        assert sorted(loud.sent) == sorted(people)
        again = deliver_digest(day_store, DAY, SITE, smtp_config(
            smtp.port, people, tmp_path, resend_changed=True))  # fmt: skip
        assert again.sent == [] and sorted(again.skipped) == sorted(people)
        received = list(smtp.handler.received)
    assert smtp.handler.per_recipient() == {p: 2 for p in people}
    subjects = sorted({m.message["Subject"] for m in received})
    assert subjects == [
        "Filings Desk: 3 articles from filings of Nov 16, 2026",
        "Filings Desk: 4 articles from filings of Nov 16, 2026",
    ]
    assert day_store.deliveries.get(DAY, people[0]).sends == 2


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_and_login(tls: str, day_store: ContentStore, tmp_path: Path) -> None:
    cert = self_signed(tmp_path)
    creds = ("desk", "s3cret")
    client_ctx = ssl.create_default_context(cafile=str(cert[0]))
    with SmtpServer(tls=tls, cert=cert, credentials=creds) as smtp:
        config = smtp_config(
            smtp.port,
            ["a@example.com"],
            tmp_path,
            smtp_starttls=tls == "starttls",
            smtp_ssl=tls == "ssl",
            smtp_username=creds[0],
            smtp_password=creds[1],
        )
        sent = deliver_digest(
            day_store, DAY, SITE, config, transport=SmtpTransport(config, client_ctx)
        )
        assert sent.sent == ["a@example.com"], sent.retry
        wrong = smtp_config(
            smtp.port, ["b@example.com"], tmp_path, smtp_starttls=tls == "starttls",
            smtp_ssl=tls == "ssl", smtp_username="desk", smtp_password="wrong",
        )  # fmt: skip
        with pytest.raises(DeliveryConfigError, match="login"):
            deliver_digest(day_store, DAY, SITE, wrong, transport=SmtpTransport(wrong, client_ctx))
    assert day_store.deliveries.get(DAY, "b@example.com").status == "retry"  # not "failed"


def test_sending_needs_absolute_links(day_store: ContentStore, tmp_path: Path) -> None:
    from filings_pipeline.rendering.models import SiteConfig

    config = smtp_config(free_port(), ["a@example.com"], tmp_path)
    with pytest.raises(DeliveryConfigError, match="FILINGS_SITE_BASE_URL"):
        deliver_digest(day_store, DAY, SiteConfig(), config)
