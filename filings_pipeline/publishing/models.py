"""What a publisher receives (site files in write order) and what it reports back."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    """Writes and deletes files at a destination. What it holds is recorded in the content
    store (`publishing.sync`), so a publisher never lists the destination."""

    location: str  # human-readable: a folder path or s3://bucket/prefix

    def put(self, files: Sequence[SiteFile]) -> None:
        """Write these files in the given order (articles before the listings linking them)."""
        ...

    def delete(self, paths: Sequence[str]) -> None:
        """Remove these files (missing ones are fine)."""
        ...

    def matches(self, path: str, sha256: str) -> bool:
        """Whether the destination's copy of `path` is the recorded one. A folder checks the
        file; S3 trusts the record (checking would cost a request per file)."""
        ...

    def url_for(self, path: str) -> str:
        """Where a reader finds `path` (file:// URL for a folder, https/S3 URL otherwise)."""
        ...


class Manifest(Protocol):
    """What a destination holds, path -> {sha256, content_type, cache_control}
    (`store.site_index.SiteManifest`)."""

    def entries(self, paths: Iterable[str]) -> dict[str, dict[str, str]]: ...
    def paths(self, prefix: str = "") -> list[str]: ...
    def record(self, entries: dict[str, dict[str, str]]) -> None: ...
    def forget(self, paths: Iterable[str]) -> None: ...
