"""Publish the site into an S3 bucket (AWS or any S3-compatible server) with a hash manifest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from filings_pipeline.publishing.local import (
    MANIFEST_NAME,
    PENDING,
    PublishError,
    check_site_files,
    check_site_path,
    dump_manifest,
    parse_manifest,
    sha256_hex,
)
from filings_pipeline.publishing.models import SiteFile, SyncReport

_DELETE_BATCH = 1000  # S3 DeleteObjects limit
_MISSING = {"NoSuchKey", "404", "NotFound"}


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

    def key_for(self, path: str) -> str:
        """Object key of a site path."""
        check_site_path(path)
        return f"{self.prefix}/{path}" if self.prefix else path

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}/{MANIFEST_NAME}" if self.prefix else MANIFEST_NAME

    def _fail(self, action: str, exc: Exception) -> PublishError:
        return PublishError(f"S3 {action} failed for {self.location}: {_describe(exc)}")

    def _read_manifest(self) -> dict[str, dict]:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self.manifest_key)
            raw = obj["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return {}
            raise self._fail(f"reading manifest {self.manifest_key}", exc) from exc
        except BotoCoreError as exc:
            raise self._fail(f"reading manifest {self.manifest_key}", exc) from exc
        return parse_manifest(raw, f"s3://{self.bucket}/{self.manifest_key}")

    def _existing_keys(self) -> set[str]:
        """Keys under the prefix right now (to notice objects removed behind our back)."""
        keys: set[str] = set()
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.prefix:
            kwargs["Prefix"] = self.prefix + "/"
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(**kwargs):
                keys.update(o["Key"] for o in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("listing objects", exc) from exc
        return keys

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

    def _write_manifest(self, files: dict[str, dict]) -> None:
        self._put(
            self.manifest_key, dump_manifest(files), "application/json", "no-cache, max-age=0"
        )

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

    def sync(self, files: Sequence[SiteFile]) -> SyncReport:
        """Put new/changed files in order, delete retracted keys after the indexes are written,
        then write the manifest. Publishing the same files twice changes nothing."""
        files = list(files)
        check_site_files(files)
        old = self._read_manifest()
        existing = self._existing_keys()
        report = SyncReport()
        to_write: list[tuple[SiteFile, dict, bool]] = []
        for f in files:
            entry = {
                "sha256": sha256_hex(f.body),
                "content_type": f.content_type,
                "cache_control": f.cache_control,
            }
            present = self.key_for(f.path) in existing
            if old.get(f.path) == entry and present:
                report.unchanged += 1
                continue
            to_write.append((f, entry, not (f.path in old and present)))
        keep = {f.path for f in files}
        retract = sorted(p for p in old if p not in keep)
        if not to_write and not retract:
            return report

        # Claim new keys in the manifest first, so a failed sync never orphans objects.
        new_paths = [f.path for f, _, _ in to_write if f.path not in old]
        if new_paths:
            pending = dict(old)
            pending.update({p: {"sha256": PENDING} for p in new_paths})
            self._write_manifest(pending)

        final = {p: e for p, e in old.items() if p in keep}
        written: list[tuple[str, bool]] = []
        for f, entry, is_new in to_write:
            self._put(self.key_for(f.path), f.body, f.content_type, f.cache_control)
            final[f.path] = entry
            written.append((f.path, is_new))
        # Retract only after every article and index that no longer links them is in place.
        self._delete([self.key_for(p) for p in retract])
        self._write_manifest(final)
        for path, is_new in written:
            (report.published if is_new else report.updated).append(path)
        report.removed.extend(retract)
        return report

    def url_for(self, path: str) -> str:
        """Public URL (FILINGS_SITE_BASE_URL + path) when configured, else s3://bucket/key."""
        if self.base_url:
            return f"{self.base_url}/{quote(check_site_path(path))}"
        return f"s3://{self.bucket}/{self.key_for(path)}"
