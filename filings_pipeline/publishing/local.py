"""Publish the site into a local folder: atomic writes, deletion of retracted files.

Also holds the small helpers both publishers share (site-path checks, hashing).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from filings_pipeline.atomic_write import write_atomic
from filings_pipeline.publishing.models import SiteFile

PENDING = "pending"  # manifest digest of a file about to be written (crash-safe ownership)
LEGACY_MANIFEST = ".publish-manifest.json"  # what publishers before the store manifest wrote
_RESERVED = {LEGACY_MANIFEST, ".publish.lock"}  # names earlier versions kept there
_LEGACY_PAGE = re.compile(r"page/[0-9]+\.html")  # the paginated home of the first layout


class PublishError(RuntimeError):
    """Publishing failed; the message says what to fix. Nothing was reported as published."""


def sha256_hex(body: bytes) -> str:
    """Hex sha256 of a file body."""
    return hashlib.sha256(body).hexdigest()


def check_site_path(path: str) -> str:
    """Return `path` if it is a clean relative site path ('articles/x.html'); else ValueError."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"site path must be a non-empty string, got {path!r}")
    if "\\" in path or "\x00" in path:
        raise ValueError(f"site path {path!r} must use '/' separators and no NUL bytes")
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("/"):
        raise ValueError(f"site path {path!r} must be relative")
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"site path {path!r} has an empty, '.' or '..' segment")
    if path in _RESERVED:
        raise ValueError(f"site path {path!r} is reserved for the publisher")
    return path


def check_site_files(files: Sequence[SiteFile]) -> None:
    """Validate every path and reject duplicates before anything is written."""
    seen: set[str] = set()
    for f in files:
        if not isinstance(f, SiteFile):
            raise TypeError(f"expected SiteFile, got {type(f).__name__}")
        check_site_path(f.path)
        if not isinstance(f.body, bytes):
            raise TypeError(f"SiteFile {f.path!r}: body must be bytes, got {type(f.body).__name__}")
        if f.path in seen:
            raise ValueError(f"site path {f.path!r} appears twice in one sync")
        seen.add(f.path)


def legacy_paths(raw: bytes | None) -> list[str]:
    """The site paths an earlier version's `.publish-manifest.json` lists (its 'files' keys),
    clean ones only; [] when there is none or it is unreadable (then nothing is imported)."""
    if raw is None:
        return []
    try:
        files = json.loads(raw.decode("utf-8"))["files"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return []
    out = []
    for path in files if isinstance(files, dict) else []:
        try:
            out.append(check_site_path(path))
        except ValueError:
            continue
    return sorted(out)


def _write_atomic(target: Path, body: bytes) -> None:
    """Site files and the manifest survive a crash: fsynced before the swap."""
    write_atomic(target, body, durable=True)


class LocalFolderPublisher:
    """Writes site files into a folder (atomically each) and deletes retracted ones. What the
    folder holds is recorded in the content store (`publishing.sync`), never read from it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def _target(self, path: str) -> Path:
        target = self.root / check_site_path(path)
        root = self.root.resolve()
        if not target.resolve().is_relative_to(root):
            raise PublishError(f"site path {path!r} resolves outside {root} (symlink?)")
        return target

    def _ensure_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise PublishError(f"site folder {self.root} exists and is not a folder")
        self.root.mkdir(parents=True, exist_ok=True)

    def matches(self, path: str, sha256: str) -> bool:
        """Whether the file on disk has this digest (a file changed by hand is rewritten)."""
        try:
            target = self._target(path)
            return target.is_file() and sha256_hex(target.read_bytes()) == sha256
        except OSError:
            return False

    def put(self, files: Sequence[SiteFile]) -> None:
        """Write each file atomically (fsynced before the swap), in the given order."""
        check_site_files(files)
        self._ensure_root()
        targets = [(f, self._target(f.path)) for f in files]  # refuse a bad path before writing
        for f, target in targets:
            _write_atomic(target, f.body)

    def delete(self, paths: Sequence[str]) -> None:
        """Remove these files and the folders they leave empty."""
        for path in paths:
            target = self._target(path)
            if target.is_file() or target.is_symlink():
                target.unlink()
            self._prune_empty_dirs(target.parent)

    def _prune_empty_dirs(self, folder: Path) -> None:
        """Remove folders left empty by a retraction, up to (not including) the root."""
        root = self.root.resolve()
        folder = folder.resolve()
        while folder != root and folder.is_relative_to(root):
            try:
                folder.rmdir()  # only succeeds when empty: never touches others' files
            except OSError:
                return
            folder = folder.parent

    def legacy_files(self) -> list[str]:
        """What an earlier version published here and recorded only in the folder: the paths
        of its `.publish-manifest.json`, and any `page/N.html` of the first layout. A rebuild
        adopts them, so it deletes those the current layout no longer has."""
        path = self.root / LEGACY_MANIFEST
        listed = legacy_paths(path.read_bytes() if path.is_file() else None)
        pages = self.root / "page"
        old_pages = [
            f"page/{p.name}"
            for p in (pages.iterdir() if pages.is_dir() else [])
            if p.is_file() and _LEGACY_PAGE.fullmatch(f"page/{p.name}")
        ]
        return sorted(set(listed) | set(old_pages))

    def forget_legacy(self) -> None:
        """Remove the earlier version's manifest (after a rebuild adopted what it listed)."""
        (self.root / LEGACY_MANIFEST).unlink(missing_ok=True)

    def url_for(self, path: str) -> str:
        """file:// URL of `path` inside the site folder."""
        return (self.root.resolve() / check_site_path(path)).as_uri()
