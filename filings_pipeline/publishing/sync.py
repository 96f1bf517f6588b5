"""Make a destination hold given files: diff against the manifest in the content store, write
what changed (in order), delete what is gone, record the result. No listing of the destination."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from filings_pipeline.publishing.local import PENDING, check_site_files, check_site_path, sha256_hex
from filings_pipeline.publishing.models import Manifest, SiteFile, SitePublisher, SyncReport


def entry_of(f: SiteFile) -> dict[str, str]:
    """The manifest entry of a file: its digest and the headers it is served with."""
    return {
        "sha256": sha256_hex(f.body),
        "content_type": f.content_type,
        "cache_control": f.cache_control,
    }


def write_changed(
    publisher: SitePublisher,
    manifest: Manifest,
    files: Sequence[SiteFile],
    report: SyncReport | None = None,
) -> SyncReport:
    """Write the files whose digest or headers differ from the manifest (or whose copy at the
    destination does not match it), in the given order. New paths are claimed in the manifest
    first, so a crash mid-write never leaves a file nobody retracts."""
    report = report if report is not None else SyncReport()
    files = list(files)
    check_site_files(files)
    old = manifest.entries(f.path for f in files)
    todo: list[tuple[SiteFile, dict[str, str], bool]] = []
    for f in files:
        entry, was = entry_of(f), old.get(f.path)
        if was == entry and publisher.matches(f.path, entry["sha256"]):
            report.unchanged += 1
            continue
        todo.append((f, entry, was is None))
    if not todo:
        return report
    claims = {f.path: {**e, "sha256": PENDING} for f, e, new in todo if new}
    manifest.record(claims)
    publisher.put([f for f, _, _ in todo])
    manifest.record({f.path: e for f, e, _ in todo})
    for f, _, new in todo:
        (report.published if new else report.updated).append(f.path)
    return report


def delete_stale(
    publisher: SitePublisher,
    manifest: Manifest,
    candidates: Iterable[str],
    keep: set[str],
    report: SyncReport | None = None,
) -> SyncReport:
    """Delete the candidates the manifest records and `keep` does not hold (after the
    listings that linked them were rewritten), then forget them."""
    report = report if report is not None else SyncReport()
    wanted = sorted({check_site_path(p) for p in candidates} - keep)
    gone = sorted(manifest.entries(wanted))
    if gone:
        publisher.delete(gone)
        manifest.forget(gone)
        report.removed += gone
    return report


def sync_site(
    publisher: SitePublisher, manifest: Manifest, files: Sequence[SiteFile]
) -> SyncReport:
    """Make the destination hold exactly `files`: write what changed in order, then delete
    every recorded path not among them. For whole small sites; a day's publish passes only
    the pages it changed to `write_changed` and `delete_stale`."""
    report = write_changed(publisher, manifest, files)
    return delete_stale(publisher, manifest, manifest.paths(), {f.path for f in files}, report)
