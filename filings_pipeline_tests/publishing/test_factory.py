"""make_publisher picks S3 when a bucket is configured, else the local folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from filings_pipeline.publishing.factory import make_publisher
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.publishing.s3 import S3Publisher
from filings_pipeline.settings import Settings
from filings_pipeline_tests.publishing.sites import site
from filings_pipeline_tests.support.seaweed import SeaweedS3


def test_no_bucket_gives_the_local_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FILINGS_SITE_S3_BUCKET", raising=False)
    monkeypatch.setenv("FILINGS_SITE_DIR", str(tmp_path / "out"))
    pub = make_publisher(Settings())
    assert isinstance(pub, LocalFolderPublisher)
    assert pub.root == tmp_path / "out"


def test_bucket_gives_s3_with_prefix_and_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILINGS_SITE_S3_BUCKET", "news-site")
    monkeypatch.setenv("FILINGS_SITE_S3_PREFIX", "/daily/")
    monkeypatch.setenv("FILINGS_SITE_BASE_URL", "https://news.example.org")
    sentinel = object()
    pub = make_publisher(Settings(), s3_client_factory=lambda: sentinel)
    assert isinstance(pub, S3Publisher)
    assert pub.client is sentinel
    assert (pub.bucket, pub.prefix) == ("news-site", "daily")
    assert pub.url_for("index.html") == "https://news.example.org/index.html"


@pytest.mark.s3
def test_default_client_uses_s3_endpoint_url(
    sync, seaweed: SeaweedS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILINGS_SITE_S3_BUCKET", seaweed.bucket)
    monkeypatch.setenv("FILINGS_SITE_S3_PREFIX", "factory")
    monkeypatch.setenv("S3_ENDPOINT_URL", seaweed.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", seaweed.region)
    monkeypatch.delenv("FILINGS_SITE_BASE_URL", raising=False)

    pub = make_publisher(Settings())
    report = sync(pub, site(["alpha"]))

    assert len(report.published) == 4
    body = seaweed.client().get_object(Bucket=seaweed.bucket, Key="factory/index.html")["Body"]
    assert b"articles/alpha.html" in body.read()
    assert pub.url_for("index.html") == f"s3://{seaweed.bucket}/factory/index.html"
