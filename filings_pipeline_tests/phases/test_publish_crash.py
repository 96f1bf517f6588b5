"""A publisher process SIGKILLed half-way through a day's incremental publish (while writing the
day's article pages, while writing the listings after the day's decisions were committed, and
at the deletions of a retraction), to S3 (SeaweedFS) and to a folder: what it left at the
destination is counted by listing it (the test does; the publisher never lists), and a re-run
of the same publish converges to exactly the files a rebuild makes, with the manifest in the
content store matching the destination file for file."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from filings_pipeline.phases.publish import publish_day, rebuild_site
from filings_pipeline.publishing.local import PENDING, LocalFolderPublisher
from filings_pipeline.publishing.s3 import S3Publisher
from filings_pipeline.rendering.models import SiteConfig
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.phases.test_incremental_site import KEY, put_day, tree
from filings_pipeline_tests.support.seaweed import SeaweedS3, seaweed  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
D1, D2 = date(2026, 11, 2), date(2026, 11, 3)
NAMES = ["Acme Corp", "Globex Inc", "Initech LLC", "Umbrella Co", "Stark Industries"]
ARTICLE_FILES = 3  # the page and its two email renderings


def day_rows(first: int, count: int, companies: int) -> list[tuple[int, int, str, bool]]:
    return [(n, 500 + n % companies, f"{NAMES[n % 5]} {n % companies}", False)
            for n in range(first, first + count)]  # fmt: skip


class Destination:
    """The publisher under test, and what it holds as the destination itself says."""

    def __init__(self, target: str, tmp: Path, s3: SeaweedS3 | None) -> None:
        self.target, self.s3, self.root = target, s3, tmp / "site"
        self.prefix = f"crash-{uuid.uuid4().hex[:8]}"

    def publisher(self) -> Any:
        if self.s3 is not None:
            return S3Publisher(self.s3.client(), self.s3.bucket, self.prefix)
        return LocalFolderPublisher(self.root)

    def holds(self) -> dict[str, bytes]:
        """Every file at the destination (the S3 bucket listed under the prefix)."""
        if self.s3 is None:
            return tree(self.root)
        client, out = self.s3.client(), {}
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.s3.bucket, Prefix=self.prefix + "/"
        )
        for page in pages:
            for o in page.get("Contents", []):
                body = client.get_object(Bucket=self.s3.bucket, Key=o["Key"])["Body"].read()
                out[o["Key"].removeprefix(self.prefix + "/")] = body
        return out

    def child_args(self) -> list[str]:
        if self.s3 is None:
            return ["--target", "local", "--root", str(self.root)]
        return [
            "--target", "s3", "--endpoint", self.s3.endpoint_url, "--bucket", self.s3.bucket,
            "--prefix", self.prefix, "--key", self.s3.access_key, "--secret", self.s3.secret_key,
        ]  # fmt: skip


@pytest.mark.parametrize("when", ["articles", "listings", "deletes"])
@pytest.mark.parametrize("target", [pytest.param("s3", marks=pytest.mark.s3), "local"])
def test_a_publisher_killed_half_way_leaves_no_orphans_and_a_rerun_converges(
    target: str, when: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    s3 = request.getfixturevalue("seaweed") if target == "s3" else None
    dest = Destination(target, tmp_path, s3)
    db = f"sqlite:///{tmp_path / 'content.db'}"
    store, site = ContentStore(db), SiteConfig()
    put_day(store, D1, day_rows(0, 30, 8))
    assert publish_day(store, D1, dest.publisher(), site, key=KEY).full_rebuild
    if when == "deletes":
        # D2 published whole; then D1 loses a third of its articles, company 507's only ones
        # among them (its page, bucket and directory entries go): killed at the first delete.
        put_day(store, D2, day_rows(30, 40, 12))
        publish_day(store, D2, dest.publisher(), site, key=KEY)
        rows = [(n, cik, name, n % 3 == 0 or cik == 507) for n, cik, name, _ in day_rows(0, 30, 8)]
        put_day(store, D1, rows)
        day, after = D1, -1
    else:
        # D2: 40 articles, 4 on companies nobody had (new buckets and letters among them).
        put_day(store, D2, day_rows(30, 36, 8) + [(90 + i, 900 + i, f"Zeta {i}", False)
                                                  for i in range(4)])  # fmt: skip
        day = D2
        own = 40 * ARTICLE_FILES
        after = 20 if when == "articles" else own + 6  # mid article pages / mid listings
    cmd = [sys.executable, "-m", "filings_pipeline_tests.phases._publish_child", "--db", db,
           "--day", day.isoformat(), "--after", str(after), *dest.child_args()]  # fmt: skip
    child = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr[-2000:]

    manifest = store.site_manifest(dest.publisher().location)
    left = dest.holds()
    recorded = manifest.entries(manifest.paths())
    orphans = sorted(set(left) - set(recorded))  # at the destination, owned by nobody
    pending = sorted(p for p, e in recorded.items() if e["sha256"] == PENDING)
    missing = sorted(p for p, e in recorded.items() if e["sha256"] != PENDING and p not in left)
    stale = sorted(
        p for p, e in recorded.items()
        if p in left and e["sha256"] != PENDING
        and e["sha256"] != hashlib.sha256(left[p]).hexdigest()
    )  # fmt: skip
    print(f"\n{target}/{when}: killed with {len(left)} files at the destination, "
          f"{len(recorded)} recorded: {len(orphans)} orphans, {len(pending)} claimed pending, "
          f"{len(missing)} recorded but missing, {len(stale)} with another digest")  # fmt: skip
    assert orphans == [], "the destination holds files the manifest does not own"
    assert missing == [], "the manifest records files the destination does not hold"

    rerun = publish_day(store, day, dest.publisher(), site, key=KEY)
    assert rerun.site_rebuilt and not rerun.full_rebuild
    assert not rerun.broken_links and not rerun.xml_problems
    rebuilt = LocalFolderPublisher(tmp_path / "rebuilt")
    rebuild_site(store, rebuilt, site)
    expected, now = tree(rebuilt.root), dest.holds()
    assert sorted(now) == sorted(expected), (
        f"orphans {sorted(set(now) - set(expected))[:5]}, "
        f"missing {sorted(set(expected) - set(now))[:5]}"
    )
    assert [p for p in now if now[p] != expected[p]] == []
    entries = manifest.entries(manifest.paths())
    assert {p: e["sha256"] for p, e in entries.items()} == {
        p: hashlib.sha256(b).hexdigest() for p, b in now.items()
    }
    assert manifest.count() == len(now)
