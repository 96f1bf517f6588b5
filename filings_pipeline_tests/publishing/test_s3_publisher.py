"""S3Publisher against a real SeaweedFS S3 server (SigV4 checked), read back with plain boto3."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from filings_pipeline.publishing.local import PublishError
from filings_pipeline.publishing.models import SiteFile
from filings_pipeline.publishing.s3 import S3Publisher
from filings_pipeline_tests.publishing.sites import HTML, article, site
from filings_pipeline_tests.support.seaweed import SeaweedS3

pytestmark = pytest.mark.s3


def _prefix() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def _objects(client: Any, bucket: str, prefix: str) -> dict[str, dict]:
    """key (relative to prefix) -> head_object result, for every object under prefix."""
    out = {}
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
    for page in pages:
        for o in page.get("Contents", []):
            out[o["Key"].removeprefix(prefix + "/")] = client.head_object(
                Bucket=bucket, Key=o["Key"]
            )
    return out


def _body(client: Any, bucket: str, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_publish_then_read_back_every_object(sync, seaweed: SeaweedS3) -> None:
    client, prefix = seaweed.client(), _prefix()
    files = site(["alpha", "beta"])

    report = sync(S3Publisher(client, seaweed.bucket, prefix), files)

    assert sorted(report.published) == sorted(f.path for f in files)
    reader = seaweed.client()  # a separate plain client
    objects = _objects(reader, seaweed.bucket, prefix)
    assert set(objects) == {f.path for f in files}  # the manifest is in the content store
    for f in files:
        assert _body(reader, seaweed.bucket, f"{prefix}/{f.path}") == f.body
        assert objects[f.path]["ContentType"] == f.content_type
        assert objects[f.path]["CacheControl"] == f.cache_control
    assert set(sync.recorded(S3Publisher(client, seaweed.bucket, prefix))) == set(objects)


def test_republishing_changes_nothing(sync, seaweed: SeaweedS3) -> None:
    client, prefix = seaweed.client(), _prefix()
    files = site(["alpha", "beta", "gamma"])
    pub = S3Publisher(client, seaweed.bucket, prefix)
    sync(pub, files)
    before = {
        k: (h["ETag"], h["LastModified"])
        for k, h in _objects(client, seaweed.bucket, prefix).items()
    }

    sent: list[str] = []
    client.meta.events.register("before-call.s3", lambda model, **_: sent.append(model.name))

    report = sync(pub, files)

    assert not report.changed
    assert report.unchanged == len(files)
    assert sent == []  # not a single request: no listing, no manifest object, no write
    after = {
        k: (h["ETag"], h["LastModified"])
        for k, h in _objects(client, seaweed.bucket, prefix).items()
    }
    assert after == before


def test_retracting_an_article_removes_its_key_and_index_links(sync, seaweed: SeaweedS3) -> None:
    client, prefix = seaweed.client(), _prefix()
    pub = S3Publisher(client, seaweed.bucket, prefix)
    sync(pub, site(["alpha", "beta", "gamma"]))
    client.put_object(Bucket=seaweed.bucket, Key=f"{prefix}/robots.txt", Body=b"not ours")

    report = sync(pub, site(["alpha", "gamma"]))

    assert report.removed == ["articles/beta.html"]
    assert sorted(report.updated) == ["feed.xml", "index.html"]
    assert report.unchanged == 3  # two articles + stylesheet
    objects = _objects(client, seaweed.bucket, prefix)
    assert "articles/beta.html" not in objects
    assert "robots.txt" in objects  # a key this publisher never wrote is left alone
    for index_path in ("index.html", "feed.xml"):
        body = _body(client, seaweed.bucket, f"{prefix}/{index_path}")
        assert b"articles/beta.html" not in body
        assert b"articles/alpha.html" in body


def test_changed_headers_are_rewritten_and_requests_follow_the_changes(
    sync, seaweed: SeaweedS3
) -> None:
    client, prefix = seaweed.client(), _prefix()
    pub = S3Publisher(client, seaweed.bucket, prefix)
    files = site(["alpha"])
    sync(pub, files)
    css = SiteFile("static/style.css", b"body{font-family:sans-serif}", "text/css", "max-age=9")
    changed = [css if f.path == css.path else f for f in files]
    sent: list[str] = []
    client.meta.events.register("before-call.s3", lambda model, **_: sent.append(model.name))

    report = sync(pub, changed)

    assert report.published == [] and report.updated == ["static/style.css"]
    assert sent == ["PutObject"]  # one per changed file (the bucket was checked on the first)
    head = client.head_object(Bucket=seaweed.bucket, Key=f"{prefix}/static/style.css")
    assert head["CacheControl"] == "max-age=9"


def test_wrong_secret_is_a_clear_error_and_writes_nothing(sync, seaweed: SeaweedS3) -> None:
    prefix = _prefix()
    bad = S3Publisher(seaweed.client(secret_key="not-the-secret"), seaweed.bucket, prefix)

    with pytest.raises(PublishError, match="403 Forbidden .wrong access key or secret"):
        sync(bad, site(["alpha"]))

    assert _objects(seaweed.client(), seaweed.bucket, prefix) == {}


def test_wrong_secret_after_a_good_publish_keeps_the_old_site(sync, seaweed: SeaweedS3) -> None:
    client, prefix = seaweed.client(), _prefix()
    sync(S3Publisher(client, seaweed.bucket, prefix), site(["alpha", "beta"]))
    before = {k: h["ETag"] for k, h in _objects(client, seaweed.bucket, prefix).items()}
    bad = S3Publisher(seaweed.client(secret_key="not-the-secret"), seaweed.bucket, prefix)

    with pytest.raises(PublishError, match="403 Forbidden .wrong access key or secret"):
        sync(bad, site(["alpha"]))

    assert {k: h["ETag"] for k, h in _objects(client, seaweed.bucket, prefix).items()} == before


def test_missing_bucket_is_a_clear_error(sync, seaweed: SeaweedS3) -> None:
    pub = S3Publisher(seaweed.client(), "no-such-bucket-here")
    with pytest.raises(PublishError, match="NoSuchBucket"):
        sync(pub, site(["alpha"]))


def test_bad_path_is_rejected_before_any_request(sync, seaweed: SeaweedS3) -> None:
    client, prefix = seaweed.client(), _prefix()
    with pytest.raises(ValueError, match="site path"):
        sync(
            S3Publisher(client, seaweed.bucket, prefix),
            [article("a", "A"), SiteFile("../../etc/x.html", b"x", HTML)],
        )
    assert _objects(client, seaweed.bucket, prefix) == {}


def test_without_prefix_keys_are_site_paths(sync, seaweed: SeaweedS3) -> None:
    client = seaweed.client()
    bucket = f"noprefix-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    pub = S3Publisher(client, bucket)
    sync(pub, site(["alpha"]))
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {
        "articles/alpha.html",
        "static/style.css",
        "feed.xml",
        "index.html",
    }
    assert pub.url_for("index.html") == f"s3://{bucket}/index.html"


def test_url_for() -> None:
    assert S3Publisher(None, "b", "/news/").url_for("articles/a b.html") == (
        "s3://b/news/articles/a b.html"
    )
    pub = S3Publisher(None, "b", "news", base_url="https://news.example.org/")
    assert pub.url_for("articles/a b.html") == "https://news.example.org/articles/a%20b.html"
    assert pub.location == "s3://b/news"
    with pytest.raises(ValueError):
        pub.url_for("../x")


def test_real_site_publish_and_retract_an_article(sync, seaweed: SeaweedS3) -> None:
    from filings_pipeline.publishing.site import build_site
    from filings_pipeline.rendering.models import ArticleInput, SiteConfig
    from filings_pipeline.rendering.render import render_article
    from filings_pipeline_tests.browser.articles import DAY, day_filings

    site_config = SiteConfig()
    articles = [
        render_article(ArticleInput(f, a, "offline", "offline-extractive-v1", "t"), site_config)
        for f, a in day_filings()
    ]
    client, prefix = seaweed.client(), _prefix()
    pub = S3Publisher(client, seaweed.bucket, prefix)
    files = build_site(articles, site_config)
    sync(pub, files)
    objects = _objects(client, seaweed.bucket, prefix)
    for f in files:
        assert objects[f.path]["ContentType"] == f.content_type
        assert objects[f.path]["CacheControl"] == f.cache_control
    assert sync(pub, files).unchanged == len(files)

    gone, kept = articles[0], articles[1:]
    report = sync(pub, build_site(kept, site_config))

    assert f"articles/{gone.slug}.html" in report.removed
    own = (gone.slug, f"companies/{gone.cik}-", "companies/letters/", "sitemap-companies-")
    assert all(any(mark in p for mark in own) for p in report.removed)
    objects = _objects(client, seaweed.bucket, prefix)
    assert not [k for k in objects if gone.slug in k]
    sitemap = f"sitemap-{DAY:%Y-%m}.xml"
    for index_path in ("index.html", "feed.xml", sitemap, f"days/{DAY.isoformat()}.html"):
        body = _body(client, seaweed.bucket, f"{prefix}/{index_path}")
        assert gone.slug.encode() not in body
        assert kept[0].slug.encode() in body
