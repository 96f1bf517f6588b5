"""What a publisher receives (site files in write order) and what it reports back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SiteFile:
    """One file of the published site, addressed by a relative path like 'articles/x.html'."""

    path: str
    body: bytes
    content_type: str
    cache_control: str = "public, max-age=300"


@dataclass
class SyncReport:
    """What a sync changed. Paths are site-relative."""

    published: list[str] = field(default_factory=list)  # new files
    updated: list[str] = field(default_factory=list)  # changed files
    removed: list[str] = field(default_factory=list)  # files retracted (no longer in the site)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.published or self.updated or self.removed)


class SitePublisher(Protocol):
    """Makes a destination hold exactly the given site files, atomically from a reader's view."""

    location: str  # human-readable: a folder path or s3://bucket/prefix

    def sync(self, files: Sequence[SiteFile]) -> SyncReport:
        """Write new/changed files in the given order (articles before the indexes that link them),
        then remove files this publisher wrote earlier that are no longer in `files`.
        Publishing the same files twice changes nothing."""
        ...

    def url_for(self, path: str) -> str:
        """Where a reader finds `path` (file:// URL for a folder, https/S3 URL otherwise)."""
        ...
