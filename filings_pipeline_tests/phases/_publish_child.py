"""A publisher process that SIGKILLs itself half-way through a day's publish (for
test_publish_crash.py): after `--after` writes (S3 PutObject requests, or files written into the
folder), or at the first delete, it sends itself SIGKILL: no exception, no cleanup."""

from __future__ import annotations

import argparse
import os
import signal
from datetime import date
from typing import Any

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.phases.publish import publish_day
from filings_pipeline.publishing import local
from filings_pipeline.publishing.local import LocalFolderPublisher
from filings_pipeline.publishing.s3 import S3Publisher
from filings_pipeline.rendering.models import SiteConfig
from filings_pipeline.store import ContentStore

KEY = AnalysisKey("offline-1", "offline-extractive-v1")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    p = argparse.ArgumentParser()
    for name in ("db", "day", "target", "root", "endpoint", "bucket", "prefix", "key", "secret"):
        p.add_argument(f"--{name}", default="")
    p.add_argument("--after", type=int, default=-1)  # writes before the kill; -1: at a delete
    args = p.parse_args()
    writes = 0

    def wrote() -> None:
        nonlocal writes
        writes += 1
        if writes > args.after >= 0:
            die()

    publisher: Any
    if args.target == "s3":
        import boto3

        client = boto3.session.Session().client(
            "s3", endpoint_url=args.endpoint, aws_access_key_id=args.key,
            aws_secret_access_key=args.secret, region_name="us-east-1",
        )  # fmt: skip
        client.meta.events.register("before-call.s3.PutObject", lambda **_: wrote())
        if args.after < 0:
            client.meta.events.register("before-call.s3.DeleteObjects", lambda **_: die())
        publisher = S3Publisher(client, args.bucket, args.prefix)
    else:
        write = local._write_atomic

        def counted(target: Any, body: bytes) -> None:
            wrote()
            write(target, body)

        local._write_atomic = counted
        publisher = LocalFolderPublisher(args.root)
        if args.after < 0:
            publisher.delete = lambda paths: die()  # type: ignore[method-assign]
    publish_day(
        ContentStore(args.db), date.fromisoformat(args.day), publisher, SiteConfig(), key=KEY
    )
    print("finished without being killed")


if __name__ == "__main__":
    main()
