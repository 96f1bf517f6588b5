"""Pick the site publisher the settings ask for: S3 when a bucket is set, else a local folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.publishing.models import SitePublisher
from filings_pipeline.publishing.s3 import S3Publisher
from filings_pipeline.settings import Settings

S3ClientFactory = Callable[[], Any]


def default_s3_client(settings: Settings) -> Any:
    """A plain boto3 S3 client honouring S3_ENDPOINT_URL (credentials/region from the AWS chain)."""
    import boto3

    # A fresh session: boto3's module-level default session caches the first credentials it
    # resolved for the life of the process.
    return boto3.session.Session().client("s3", endpoint_url=settings.s3_endpoint_url or None)


def make_publisher(
    settings: Settings, s3_client_factory: S3ClientFactory | None = None
) -> SitePublisher:
    """FILINGS_SITE_S3_BUCKET set -> S3Publisher (prefix FILINGS_SITE_S3_PREFIX, public URLs from
    FILINGS_SITE_BASE_URL); otherwise LocalFolderPublisher(FILINGS_SITE_DIR).

    `s3_client_factory` returns a boto3 S3 client already pointed at the right endpoint (e.g.
    `S3Resource.get_client`); without it a default client uses S3_ENDPOINT_URL."""
    if settings.site_s3_bucket:
        client = s3_client_factory() if s3_client_factory else default_s3_client(settings)
        return S3Publisher(
            client,
            settings.site_s3_bucket,
            prefix=settings.site_s3_prefix,
            base_url=settings.site_base_url,
        )
    return LocalFolderPublisher(settings.site_dir)
