"""LocalFolderPublisher against a real temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from filings_pipeline.publishing.local import LocalFolderPublisher, PublishError
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline_tests.publishing.sites import HTML, article, index, site


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its bytes and mtime_ns."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_first_sync_writes_every_file_and_records_them(sync, tmp_path: Path) -> None:
    files = site(["a", "b"])
    pub = LocalFolderPublisher(tmp_path / "site")
    report = sync(pub, files)

    assert sorted(report.published) == sorted(f.path for f in files)
    assert report.updated == [] and report.removed == [] and report.unchanged == 0
    for f in files:
        assert (tmp_path / "site" / f.path).read_bytes() == f.body
    assert set(sync.recorded(pub)) == {f.path for f in files}  # in the content store
    assert {p.name for p in (tmp_path / "site").iterdir()} == {
        "articles",
        "static",
        "feed.xml",
        "index.html",
    }
    assert not list((tmp_path / "site").rglob("*.tmp"))


def test_second_sync_changes_nothing(sync, tmp_path: Path) -> None:
    pub = LocalFolderPublisher(tmp_path)
    files = site(["a", "b", "c"])
    sync(pub, files)
    before = _snapshot(tmp_path)

    report = sync(pub, files)

    assert not report.changed
    assert report.unchanged == len(files)
    assert _snapshot(tmp_path) == before  # same bytes and same mtimes


def test_writes_in_the_given_order(sync, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    replaced: list[str] = []
    real_replace = os.replace

    def recording_replace(src: str, dst: os.PathLike | str) -> None:
        replaced.append(Path(dst).relative_to(tmp_path).as_posix())
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    files = site(["x", "y"])
    sync(LocalFolderPublisher(tmp_path), files)

    assert replaced == [f.path for f in files]


def test_changed_file_is_updated_and_retracted_file_removed(sync, tmp_path: Path) -> None:
    pub = LocalFolderPublisher(tmp_path)
    sync(pub, site(["a", "b"]) + [SiteFile("old/only.html", b"<p>old</p>", HTML)])
    (tmp_path / "CNAME").write_text("news.example.org")  # not ours: must survive
    (tmp_path / "articles" / "notes.txt").write_text("editor notes")  # not ours either

    new = [article("a", "Article a, corrected")] + [
        f for f in site(["a"]) if f.path != "articles/a.html"
    ]
    report = sync(pub, new)

    assert report.updated == ["articles/a.html", "feed.xml", "index.html"]
    assert sorted(report.removed) == ["articles/b.html", "old/only.html"]
    assert report.unchanged == 1  # static/style.css
    assert not (tmp_path / "articles" / "b.html").exists()
    assert not (tmp_path / "old").exists()  # emptied folder pruned
    assert b"corrected" in (tmp_path / "articles" / "a.html").read_bytes()
    assert b"articles/b.html" not in (tmp_path / "index.html").read_bytes()
    assert (tmp_path / "CNAME").read_text() == "news.example.org"
    assert (tmp_path / "articles" / "notes.txt").read_text() == "editor notes"


def test_file_changed_or_deleted_by_hand_is_restored(sync, tmp_path: Path) -> None:
    pub = LocalFolderPublisher(tmp_path)
    files = site(["a"])
    sync(pub, files)
    (tmp_path / "index.html").write_text("defaced")
    (tmp_path / "articles" / "a.html").unlink()

    report = sync(pub, files)

    assert sorted(report.updated) == ["articles/a.html", "index.html"]
    assert report.published == []
    for f in files:
        assert (tmp_path / f.path).read_bytes() == f.body


@pytest.mark.parametrize(
    "bad_path",
    [
        "../escape.html",
        "/etc/passwd",
        "a//b.html",
        "a/./b.html",
        "a\\b.html",
        "",
        ".publish-manifest.json",
    ],
)
def test_bad_paths_are_rejected_before_anything_is_written(
    sync, tmp_path: Path, bad_path: str
) -> None:
    pub = LocalFolderPublisher(tmp_path / "site")
    sync(pub, site(["a"]))
    before = _snapshot(tmp_path)

    with pytest.raises(ValueError, match="site path"):
        sync(pub, [article("new", "New"), SiteFile(bad_path, b"x", HTML)])

    assert _snapshot(tmp_path) == before
    assert not (tmp_path / "escape.html").exists()


def test_duplicate_paths_are_rejected(sync, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="appears twice"):
        sync(LocalFolderPublisher(tmp_path), [index(["a"]), index(["b"])])
    assert list(tmp_path.iterdir()) == []


def test_files_written_before_a_crash_are_still_owned(
    sync, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pub = LocalFolderPublisher(tmp_path)
    sync(pub, site(["a"]))
    real_replace = os.replace

    def failing_replace(src: str, dst: os.PathLike | str) -> None:
        if Path(dst).name == "index.html":
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        sync(pub, site(["a", "b"]))
    monkeypatch.undo()
    assert (tmp_path / "articles" / "b.html").exists()  # written before the failure
    assert not list(tmp_path.rglob("*.tmp"))  # the failed temp file was cleaned up

    report = sync(pub, site(["a"]))  # b was dropped meanwhile: it must be retracted

    assert report.removed == ["articles/b.html"]
    assert not (tmp_path / "articles" / "b.html").exists()


def test_url_for_is_a_file_url_of_the_published_file(sync, tmp_path: Path) -> None:
    pub = LocalFolderPublisher(tmp_path)
    sync(pub, site(["a"]))
    url = pub.url_for("articles/a.html")
    assert url.startswith("file://")
    assert Path(url.removeprefix("file://")).read_bytes() == article("a", "Article a").body
    with pytest.raises(ValueError):
        pub.url_for("../x.html")


def test_symlink_escaping_the_root_is_refused(sync, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "site"
    root.mkdir()
    (root / "articles").symlink_to(outside)

    with pytest.raises(PublishError, match="outside"):
        sync(LocalFolderPublisher(root), site(["a"]))
    assert list(outside.iterdir()) == []
