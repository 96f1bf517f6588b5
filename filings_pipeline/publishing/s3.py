"""Publish the site into an S3 bucket (AWS or any S3-compatible server). What the bucket holds
is recorded in the content store (`publishing.sync`): a publish never lists the bucket."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from filings_pipeline.publishing.local import (
    LEGACY_MANIFEST,
    PublishError,
    check_site_files,
    check_site_path,
    legacy_paths,
)
from filings_pipeline.publishing.models import SiteFile

_DELETE_BATCH = 1000  # S3 DeleteObjects limit


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', '?')}: {err.get('Message', '') or exc}"
    return f"{type(exc).__name__}: {exc}"


class S3Publisher:
    """Makes `s3://bucket/prefix/` hold exactly the given site files; owns only keys it wrote.

    `client` is a boto3 S3 client (dagster-aws `S3Resource.get_client()` in production)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", base_url: str = "") -> None:
        if not bucket or "/" in bucket:
            raise ValueError(f"S3 bucket name {bucket!r} is empty or contains '/'")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.base_url = base_url.rstrip("/")
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._bucket_checked = False

    def key_for(self, path: str) -> str:
        """Object key of a site path."""
        check_site_path(path)
        return f"{self.prefix}/{path}" if self.prefix else path

    def _fail(self, action: str, exc: Exception) -> PublishError:
        return PublishError(f"S3 {action} failed for {self.location}: {_describe(exc)}")

    def _put(self, key: str, body: bytes, content_type: str, cache_control: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(f"writing {key}", exc) from exc

    def _delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[i : i + _DELETE_BATCH]]
            try:
                resp = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except (ClientError, BotoCoreError) as exc:
                raise self._fail("deleting retracted objects", exc) from exc
            errors = resp.get("Errors", [])
            if errors:
                first = errors[0]
                raise PublishError(
                    f"S3 could not delete {len(errors)} retracted object(s) in {self.location}, "
                    f"e.g. {first.get('Key')}: {first.get('Code')} {first.get('Message', '')}"
                )

    def matches(self, path: str, sha256: str) -> bool:
        """The content store's record is trusted: checking would cost a request per file."""
        return True

    def _check_bucket(self) -> None:
        """One HeadBucket before the first write: some S3 servers create a missing bucket on
        PUT, and a typo in the bucket name must be a clear error, not a new bucket."""
        if self._bucket_checked:
            return
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchBucket", "NotFound"}:
                raise PublishError(
                    f"S3 bucket {self.bucket!r} does not exist (NoSuchBucket): create it or "
                    "fix FILINGS_SITE_S3_BUCKET"
                ) from exc
            if exc.response.get("Error", {}).get("Code") in {"403", "AccessDenied"}:
                raise PublishError(
                    f"S3 refused {self.location}: 403 Forbidden (wrong access key or secret, "
                    "or no permission on the bucket); nothing was written"
                ) from exc
            raise self._fail("checking the bucket", exc) from exc
        except BotoCoreError as exc:
            raise self._fail("checking the bucket", exc) from exc
        self._bucket_checked = True

    def put(self, files: Sequence[SiteFile]) -> None:
        """PUT each file with its content type and cache headers, in the given order."""
        check_site_files(files)
        keys = [self.key_for(f.path) for f in files]  # refuse a bad path before any request
        self._check_bucket()
        for f, key in zip(files, keys, strict=True):
            self._put(key, f.body, f.content_type, f.cache_control)

    def delete(self, paths: Sequence[str]) -> None:
        """DeleteObjects in batches of 1,000 keys."""
        self._check_bucket()
        self._delete([self.key_for(p) for p in paths])

    def _legacy_key(self) -> str:
        return f"{self.prefix}/{LEGACY_MANIFEST}" if self.prefix else LEGACY_MANIFEST

    def legacy_files(self) -> list[str]:
        """The paths an earlier version's manifest object (`.publish-manifest.json` under the
        prefix) lists: one GetObject, on a rebuild only. A rebuild adopts them, so it deletes
        those the current layout no longer has."""
        self._check_bucket()
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._legacy_key())
            raw = obj["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return []
            raise self._fail("reading the earlier manifest", exc) from exc
        except BotoCoreError as exc:
            raise self._fail("reading the earlier manifest", exc) from exc
        return legacy_paths(raw)

    def forget_legacy(self) -> None:
        """Delete the earlier version's manifest object (after a rebuild adopted it)."""
        self._delete([self._legacy_key()])

    def url_for(self, path: str) -> str:
        """Public URL (FILINGS_SITE_BASE_URL + path) when configured, else s3://bucket/key."""
        if self.base_url:
            return f"{self.base_url}/{quote(check_site_path(path))}"
        return f"s3://{self.bucket}/{self.key_for(path)}"
