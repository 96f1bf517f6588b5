"""Publishing through Dagster to a real S3-compatible server (SeaweedFS) via dagster-aws."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from dagster_aws.s3 import S3Resource

from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.defs.resources import SiteResource
from filings_pipeline_tests.dagster_layer.conftest import make_resources
from filings_pipeline_tests.support.seaweed import ACCESS_KEY, REGION, SECRET_KEY, seaweed  # noqa: F401

ASSETS = [filings, analyses, rendered_articles, published_articles]


@pytest.mark.s3
def test_day_published_to_s3_through_s3resource(mirror, seaweed, tmp_path: Path) -> None:  # noqa: F811
    day = mirror.days[0]
    resources = make_resources(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "unused-site")
    resources["site"] = SiteResource(
        s3_bucket=seaweed.bucket,
        s3_prefix="news",
        s3=S3Resource(
            endpoint_url=seaweed.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ),
    )
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            ASSETS, partition_key=day.isoformat(), resources=resources, instance=instance
        )
        assert result.success
        (mat,) = result.asset_materializations_for_node("published_articles")
        meta = {k: v.value for k, v in mat.metadata.items()}
        assert meta["destination"].startswith(f"s3://{seaweed.bucket}/news")
        assert meta["published"] > 0 and meta["files_new"] > 0
        client = seaweed.client()
        keys = {
            o["Key"]
            for o in client.list_objects_v2(Bucket=seaweed.bucket, Prefix="news/")["Contents"]
        }
        assert "news/index.html" in keys and "news/feed.xml" in keys
        home = client.get_object(Bucket=seaweed.bucket, Key="news/index.html")
        assert home["ContentType"] == "text/html; charset=utf-8"
        assert sum(k.startswith("news/articles/") for k in keys) == meta["published"]
        assert not (tmp_path / "unused-site").exists()

        again = dg.materialize(
            [published_articles],
            partition_key=day.isoformat(),
            resources=resources,
            instance=instance,
        )
        (mat2,) = again.asset_materializations_for_node("published_articles")
        assert mat2.metadata["files_new"].value == 0
        assert mat2.metadata["files_updated"].value == 0
