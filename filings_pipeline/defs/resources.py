"""Resources: thin, configurable wrappers that build the domain objects once per process.

An empty field means "take it from the environment when the run starts" (see
`filings_pipeline.settings`), so one set of definitions serves the embedded defaults and
production alike; `env_or()` puts a visible `EnvVar` in the UI where a variable is set.
"""

import dataclasses
import os
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from filings_pipeline.analysis.schema import Analyzer
from filings_pipeline.edgar.source import FilingSource
from filings_pipeline.publishing.models import SitePublisher
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.settings import Settings, settings
from filings_pipeline.store import ContentStore


def env_or(name: str, default: Any = "") -> Any:
    """`EnvVar(name)` when the variable is set (resolved at run time), else the default."""
    return dg.EnvVar(name) if os.environ.get(name, "").strip() else default


class ContentStoreResource(dg.ConfigurableResource):
    """Where the pipeline keeps filings, analyses, articles and publications."""

    db_url: str = ""  # empty: FILINGS_DB_URL, else SQLite under FILINGS_DATA_DIR

    def get(self) -> ContentStore:
        return ContentStore(self.db_url or settings().db_url)


class FilingSourceResource(dg.ConfigurableResource):
    """The sample mirror or live EDGAR, through the same interface."""

    source: str = ""  # sample | edgar; empty: FILINGS_SOURCE
    edgar_identity: str = ""  # the User-Agent SEC requires: "Company Name email@example.com"
    edgar_archives_url: str = ""
    edgar_data_url: str = ""
    forms: str = ""  # comma-separated; empty: EDGAR_FORMS or 8-K,8-K/A,10-Q,10-K
    watchlist: str = ""  # comma-separated tickers or CIKs
    _source: Any = PrivateAttr(default=None)

    def settings(self) -> Settings:
        base = settings()
        changes: dict[str, Any] = {}
        for name in ("source", "edgar_identity", "edgar_archives_url", "edgar_data_url"):
            if getattr(self, name):
                changes[name] = getattr(self, name)
        for name in ("forms", "watchlist"):
            if getattr(self, name):
                changes[name] = tuple(
                    p.strip() for p in getattr(self, name).split(",") if p.strip()
                )
        return dataclasses.replace(base, **changes) if changes else base

    def get(self) -> FilingSource:
        if self._source is None:
            from filings_pipeline.edgar.factory import make_source

            self._source = make_source(self.settings())
        return self._source

    def for_sensor(self) -> FilingSource:
        """A source for sensor ticks: short timeouts, and a throttle pause raises instead of
        sleeping through Dagster's 60 s tick."""
        from filings_pipeline.edgar.factory import make_sensor_source

        return make_sensor_source(self.settings())


class AnalyzerResource(dg.ConfigurableResource):
    """The offline extractive analyzer, or Claude on AWS Bedrock."""

    kind: str = ""  # offline | bedrock; empty: FILINGS_ANALYZER
    model_id: str = ""  # empty: BEDROCK_MODEL_ID or the Haiku 4.5 inference profile
    region_name: str = ""  # empty: AWS_REGION
    profile_name: str = ""  # empty: AWS_PROFILE / default chain
    endpoint_url: str = ""  # empty: BEDROCK_ENDPOINT_URL or AWS's endpoint
    budget_usd: float = 0.0  # per run; 0: BEDROCK_RUN_BUDGET_USD, else no budget
    workers: int = 5  # threads per step; the deployment-wide call slots cap calls in flight
    max_calls_in_flight: int = 5
    _analyzer: Any = PrivateAttr(default=None)

    def resolved_kind(self) -> str:
        return (self.kind or settings().analyzer).strip().lower()

    def get(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = self._build()
        return self._analyzer

    def _build(self) -> Analyzer:
        kind = self.resolved_kind()
        if kind == "offline":
            from filings_pipeline.analysis.offline import OfflineAnalyzer

            return OfflineAnalyzer()
        if kind == "bedrock":
            from filings_pipeline.analysis.bedrock_factory import make_bedrock_analyzer

            return make_bedrock_analyzer(
                model_id=self.model_id,
                region_name=self.region_name,
                profile_name=self.profile_name,
                endpoint_url=self.endpoint_url,
                budget_usd=self.budget_usd,
                max_calls_in_flight=int(
                    os.environ.get("FILINGS_MAX_CALLS_IN_FLIGHT") or self.max_calls_in_flight
                ),
                db_url=settings().db_url,
                lock_dir=settings().data_dir / "call-slots",
            )
        raise ValueError(f"FILINGS_ANALYZER must be 'offline' or 'bedrock', not {kind!r}")

    def identity(self) -> tuple[str, str]:
        """(prompt_version, model) that keys the current analyses. Read from configuration: the
        render and publish steps need it but no client, call slots or budget."""
        if self._analyzer is not None:
            return self._analyzer.prompt_version, self._analyzer.model
        kind = self.resolved_kind()
        if kind == "offline":
            from filings_pipeline.analysis.offline import OfflineAnalyzer

            return OfflineAnalyzer.prompt_version, OfflineAnalyzer.model
        if kind == "bedrock":
            from filings_pipeline.analysis.bedrock_factory import bedrock_config
            from filings_pipeline.analysis.prompt import PROMPT_VERSION

            return PROMPT_VERSION, bedrock_config(model_id=self.model_id).model_id
        raise ValueError(f"FILINGS_ANALYZER must be 'offline' or 'bedrock', not {kind!r}")

    def step_workers(self) -> int:
        workers = int(os.environ.get("FILINGS_ANALYZER_WORKERS") or self.workers)
        return 1 if self.resolved_kind() == "offline" else max(1, workers)


class SiteResource(dg.ConfigurableResource):
    """Where the site goes: a local folder (default) or an S3 bucket through dagster-aws."""

    site_dir: str = ""  # empty: FILINGS_SITE_DIR or ./site
    base_url: str = ""  # empty: FILINGS_SITE_BASE_URL (absolute URLs in feed and sitemap)
    title: str = "Filings Desk"
    s3_bucket: str = ""  # empty: FILINGS_SITE_S3_BUCKET; set -> publish to S3
    s3_prefix: str = ""  # empty: FILINGS_SITE_S3_PREFIX
    s3: S3Resource
    _pub: Any = PrivateAttr(default=None)

    def site_config(self) -> SiteConfig:
        return SiteConfig(title=self.title, base_url=self.base_url or settings().site_base_url)

    def publisher(self) -> SitePublisher:
        if self._pub is None:
            self._pub = self._build_publisher()
        return self._pub

    def _build_publisher(self) -> SitePublisher:
        from filings_pipeline.publishing.factory import make_publisher

        changes = {
            "site_dir": Path(self.site_dir) if self.site_dir else None,
            "site_base_url": self.base_url,
            "site_s3_bucket": self.s3_bucket,
            "site_s3_prefix": self.s3_prefix,
        }
        config = dataclasses.replace(settings(), **{k: v for k, v in changes.items() if v})
        return make_publisher(config, s3_client_factory=self.s3.get_client)


def default_resources() -> dict[str, Any]:
    """The resource set the definitions use."""
    return {
        "store": ContentStoreResource(db_url=env_or("FILINGS_DB_URL")),
        "source": FilingSourceResource(source=env_or("FILINGS_SOURCE")),
        "analyzer": AnalyzerResource(kind=env_or("FILINGS_ANALYZER")),
        "site": SiteResource(
            site_dir=env_or("FILINGS_SITE_DIR"),
            s3=S3Resource(
                endpoint_url=env_or("S3_ENDPOINT_URL", None),
                region_name=env_or("AWS_REGION", None),
            ),
        ),
    }
