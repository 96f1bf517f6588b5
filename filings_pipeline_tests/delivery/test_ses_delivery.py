"""Amazon SES v2: the real boto3 `sesv2` client against a local server speaking the SendEmail
REST wire protocol. No real SES can run here (no network, no account), so the server stands in
for it; everything on the client side (serialisation, signing, retries, errors) is real."""

from __future__ import annotations

from pathlib import Path

import pytest

from filings_pipeline.delivery import deliver_digest
from filings_pipeline.devtools.ses_server import SesServer, SesState
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.delivery.conftest import DAY, SITE, readers, ses_config


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's default credential chain, fed dummy keys (the local server does not check)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


def test_ses_sends_the_raw_message_once_and_records_the_ses_id(
    day_store: ContentStore, tmp_path: Path, aws_env: None
) -> None:
    people = readers(3)
    rejected = people[1]
    state = SesState(reject={rejected: "Email address is not verified."}, throttle=2)
    with SesServer(state) as ses:
        config = ses_config(ses.url, people, tmp_path)
        first = deliver_digest(day_store, DAY, SITE, config)
        again = deliver_digest(day_store, DAY, SITE, config)
    # two 429 TooManyRequestsException first: botocore's standard retries absorb them
    assert state.hits == 2 + len(people) and len(state.accepted) == 2
    assert sorted(first.sent) == sorted(set(people) - {rejected})
    assert "MessageRejected" in first.failed[rejected]
    assert again.sent == [] and sorted(again.skipped) == sorted(first.sent)
    for call in state.accepted:
        assert call.authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
        assert call.from_address == "desk@news.example.org"
        msg = call.message
        assert msg["To"] == call.to[0]
        assert msg.get_content_type() == "multipart/alternative"
        assert msg["X-Filings-Delivery-Key"].strip() == msg["Message-ID"].strip().strip("<>")
        row = day_store.deliveries.get(DAY, call.to[0])
        assert row.provider_id == call.message_id and row.transport == "ses"


def test_ses_unreachable_is_transient(
    day_store: ContentStore, tmp_path: Path, aws_env: None
) -> None:
    from filings_pipeline.devtools.smtp_server import free_port

    config = ses_config(f"http://127.0.0.1:{free_port()}", readers(2), tmp_path)
    report = deliver_digest(day_store, DAY, SITE, config)
    assert report.sent == [] and report.failed == {} and len(report.retry) == 2
