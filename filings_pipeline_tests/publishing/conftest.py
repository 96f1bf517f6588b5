"""Fixtures for publisher tests: a real SeaweedFS server, and `sync` (a whole small site onto a
publisher, its manifest in a real SQLite content store)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from filings_pipeline.publishing.models import SiteFile, SitePublisher, SyncReport
from filings_pipeline.publishing.sync import sync_site
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.support.seaweed import seaweed  # noqa: F401  (pytest fixture)


class Syncer:
    """`syncer(publisher, files)`: sync_site with the publisher's manifest in `store`."""

    def __init__(self, store: ContentStore) -> None:
        self.store = store

    def __call__(self, publisher: SitePublisher, files: Sequence[SiteFile]) -> SyncReport:
        return sync_site(publisher, self.store.site_manifest(publisher.location), files)

    def recorded(self, publisher: SitePublisher) -> list[str]:
        """The paths the manifest records for this publisher."""
        return self.store.site_manifest(publisher.location).paths()


@pytest.fixture
def sync(tmp_path_factory: pytest.TempPathFactory) -> Callable:
    store_dir: Path = tmp_path_factory.mktemp("store")
    return Syncer(ContentStore(f"sqlite:///{store_dir / 'content.db'}"))
