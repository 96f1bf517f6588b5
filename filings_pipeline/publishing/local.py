"""Publish the site into a local folder: atomic writes, a hash manifest, retraction of old files.

Also holds the small helpers both publishers share (site-path checks, hashing, the manifest name).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from filelock import FileLock

from filings_pipeline.atomic_write import write_atomic
from filings_pipeline.publishing.models import SiteFile, SyncReport

MANIFEST_NAME = ".publish-manifest.json"
LOCK_NAME = ".publish.lock"
MANIFEST_VERSION = 1
PENDING = (
    "pending"  # manifest hash of a file this publisher is about to write (crash-safe ownership)
)
_RESERVED = {MANIFEST_NAME, LOCK_NAME}


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


def parse_manifest(raw: bytes, where: str) -> dict[str, dict]:
    """Decode a manifest document into {path: entry}; raise PublishError when it is unreadable."""
    try:
        doc = json.loads(raw.decode("utf-8"))
        files = doc["files"]
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise ValueError("'files' must map paths to objects")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise PublishError(
            f"publish manifest {where} is unreadable ({exc}); it lists the files this publisher "
            "owns, so fix or remove it by hand (without it, old files are no longer retracted)"
        ) from exc
    return files


def dump_manifest(files: dict[str, dict]) -> bytes:
    """Encode {path: entry} as a stable, readable manifest document."""
    doc = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _write_atomic(target: Path, body: bytes) -> None:
    """Site files and the manifest survive a crash: fsynced before the swap."""
    write_atomic(target, body, durable=True)


class LocalFolderPublisher:
    """Makes a folder hold exactly the given site files; owns only the files it wrote."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    def _target(self, path: str) -> Path:
        target = self.root / check_site_path(path)
        root = self.root.resolve()
        if not target.resolve().is_relative_to(root):
            raise PublishError(f"site path {path!r} resolves outside {root} (symlink?)")
        return target

    def _read_manifest(self) -> dict[str, dict]:
        if not self.manifest_path.exists():
            return {}
        return parse_manifest(self.manifest_path.read_bytes(), str(self.manifest_path))

    def _on_disk_matches(self, target: Path, digest: str) -> bool:
        try:
            return target.is_file() and sha256_hex(target.read_bytes()) == digest
        except OSError:
            return False

    def sync(self, files: Sequence[SiteFile]) -> SyncReport:
        """Write new/changed files in order, retract files it wrote before that are gone, and
        record what it owns in the manifest (written last). Same files twice changes nothing."""
        files = list(files)
        check_site_files(files)
        if self.root.exists() and not self.root.is_dir():
            raise PublishError(f"site folder {self.root} exists and is not a folder")
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / LOCK_NAME), timeout=120):
            return self._sync_locked(files)

    def _sync_locked(self, files: list[SiteFile]) -> SyncReport:
        old = self._read_manifest()
        report = SyncReport()
        to_write: list[tuple[SiteFile, Path, str, bool]] = []  # file, target, digest, is_new
        for f in files:
            target = self._target(f.path)
            digest = sha256_hex(f.body)
            entry = old.get(f.path)
            if entry and entry.get("sha256") == digest and self._on_disk_matches(target, digest):
                report.unchanged += 1
                continue
            is_new = not (entry and target.exists())
            to_write.append((f, target, digest, is_new))
        keep = {f.path for f in files}
        retract = sorted(p for p in old if p not in keep)
        if not to_write and not retract:
            return report

        # Record ownership of paths about to appear before writing them, so a crash mid-sync
        # leaves no file this publisher forgets it wrote.
        new_paths = [f.path for f, _, _, _ in to_write if f.path not in old]
        if new_paths:
            pending = dict(old)
            pending.update({p: {"sha256": PENDING} for p in new_paths})
            _write_atomic(self.manifest_path, dump_manifest(pending))

        final = {p: e for p, e in old.items() if p in keep}
        for f, target, digest, is_new in to_write:
            _write_atomic(target, f.body)
            final[f.path] = {"sha256": digest}
            (report.published if is_new else report.updated).append(f.path)
        for path in retract:
            target = self._target(path)
            if target.is_file() or target.is_symlink():
                target.unlink()
            self._prune_empty_dirs(target.parent)
            report.removed.append(path)
        _write_atomic(self.manifest_path, dump_manifest(final))
        return report

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

    def url_for(self, path: str) -> str:
        """file:// URL of `path` inside the site folder."""
        return (self.root.resolve() / check_site_path(path)).as_uri()
