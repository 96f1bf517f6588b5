"""Resources: thin, configurable wrappers that build the domain objects once per process.

One precedence rule for every field: explicit resource config, then the environment (read
by `filings_pipeline.settings` when the run starts), then the default. An empty field (`""` or
`None`) means "not set here", so one set of definitions serves the embedded defaults and
production alike.
"""

import dataclasses
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_aws.s3 import S3Resource
from pydantic import PrivateAttr

from filings_pipeline.analysis.bedrock import BedrockConfig
from filings_pipeline.analysis.schema import AnalysisKey, Analyzer
from filings_pipeline.delivery.config import DeliveryConfig
from filings_pipeline.edgar.source import FilingSource
from filings_pipeline.publishing.models import SitePublisher
from filings_pipeline.rendering.render import SiteConfig
from filings_pipeline.settings import Settings, settings
from filings_pipeline.store import ContentStore


def _set(**fields: Any) -> dict[str, Any]:
    """The fields given explicitly (not empty, not None)."""
    return {k: v for k, v in fields.items() if v not in ("", None)}


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
        """The environment's settings with this resource's fields, where set, in their place."""
        changes = _set(
            source=self.source,
            edgar_identity=self.edgar_identity,
            edgar_archives_url=self.edgar_archives_url,
            edgar_data_url=self.edgar_data_url,
        )
        for name in ("forms", "watchlist"):
            if getattr(self, name):
                changes[name] = tuple(
                    p.strip() for p in getattr(self, name).split(",") if p.strip()
                )
        return dataclasses.replace(settings(), **changes)

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
    budget_usd: float | None = None  # per run; None: BEDROCK_RUN_BUDGET_USD, else no budget
    workers: int | None = None  # threads per step; None: FILINGS_ANALYZER_WORKERS, else 8
    max_calls_in_flight: int | None = None  # None: FILINGS_MAX_CALLS_IN_FLIGHT, else 5
    slot_wait_seconds: float | None = None  # None: FILINGS_SLOT_WAIT_SECONDS, else 3600
    _analyzer: Any = PrivateAttr(default=None)

    def resolved_kind(self) -> str:
        return (self.kind or settings().analyzer).strip().lower()

    def get(self, shared_budget: Any | None = None, urgent: bool = False) -> Analyzer:
        """The analyzer (built once per run); `shared_budget`, a batch's budget, caps the
        Bedrock spend of every run of the batch together; an `urgent` one (today's filings)
        is served first by the call slots."""
        if self._analyzer is None:
            self._analyzer = self._build(shared_budget, urgent)
        return self._analyzer

    def _build(self, shared_budget: Any | None = None, urgent: bool = False) -> Analyzer:
        kind = self.resolved_kind()
        if kind == "offline":
            from filings_pipeline.analysis.offline import OfflineAnalyzer

            return OfflineAnalyzer()
        if kind == "bedrock":
            from filings_pipeline.analysis.bedrock_factory import make_bedrock_analyzer

            env = settings()
            return make_bedrock_analyzer(
                self.bedrock_config(),
                max_calls_in_flight=self.max_calls_in_flight or env.max_calls_in_flight,
                db_url=env.db_url,
                lock_dir=env.data_dir / "call-slots",
                slot_wait_s=self.slot_wait_seconds or env.slot_wait_seconds,
                shared_budget=shared_budget,
                urgent=urgent,
            )
        raise ValueError(f"FILINGS_ANALYZER must be 'offline' or 'bedrock', not {kind!r}")

    def identity(self) -> AnalysisKey:
        """The key of the current analyses (prompt version, model). Read from configuration:
        the render and publish steps need it but no client, call slots or budget."""
        if self._analyzer is not None:
            return AnalysisKey.of(self._analyzer)
        kind = self.resolved_kind()
        if kind == "offline":
            from filings_pipeline.analysis.offline import OfflineAnalyzer

            return AnalysisKey(OfflineAnalyzer.prompt_version, OfflineAnalyzer.model)
        if kind == "bedrock":
            from filings_pipeline.analysis.prompt import PROMPT_VERSION

            return AnalysisKey(PROMPT_VERSION, self.bedrock_config().model_id)
        raise ValueError(f"FILINGS_ANALYZER must be 'offline' or 'bedrock', not {kind!r}")

    def bedrock_config(self) -> BedrockConfig:
        """The Bedrock configuration: these fields where set, else the environment's."""
        return BedrockConfig.from_env(
            **_set(
                model_id=self.model_id,
                region=self.region_name,
                profile=self.profile_name,
                endpoint_url=self.endpoint_url,
                budget_usd=self.budget_usd,
            )
        )

    def step_workers(self) -> int:
        workers = self.workers or settings().analyzer_workers
        return 1 if self.resolved_kind() == "offline" else max(1, workers)


class SiteResource(dg.ConfigurableResource):
    """Where the site goes: a local folder (default) or an S3 bucket through dagster-aws."""

    site_dir: str = ""  # empty: FILINGS_SITE_DIR or ./site
    base_url: str = ""  # empty: FILINGS_SITE_BASE_URL (absolute URLs in feed and sitemap)
    title: str = "Filings Desk"
    s3_bucket: str = ""  # empty: FILINGS_SITE_S3_BUCKET; set -> publish to S3
    s3_prefix: str = ""  # empty: FILINGS_SITE_S3_PREFIX
    publish_mode: str = ""  # auto | review; empty: FILINGS_PUBLISH_MODE (default auto)
    s3: S3Resource
    _pub: Any = PrivateAttr(default=None)

    def mode(self) -> str:
        """auto | review: this field, else FILINGS_PUBLISH_MODE, else auto."""
        return (self.publish_mode or settings().publish_mode or "auto").strip().lower()

    def site_config(self) -> SiteConfig:
        return SiteConfig(title=self.title, base_url=self.base_url or settings().site_base_url)

    def publisher(self) -> SitePublisher:
        if self._pub is None:
            self._pub = self._build_publisher()
        return self._pub

    def _build_publisher(self) -> SitePublisher:
        from filings_pipeline.publishing.factory import make_publisher

        changes = _set(
            site_dir=Path(self.site_dir) if self.site_dir else None,
            site_base_url=self.base_url,
            site_s3_bucket=self.s3_bucket,
            site_s3_prefix=self.s3_prefix,
        )
        config = dataclasses.replace(settings(), **changes)
        return make_publisher(config, s3_client_factory=self.s3_client)

    def s3_client(self) -> Any:
        """The S3 client of the `s3` resource; its endpoint and region, where not set on it,
        from S3_ENDPOINT_URL and AWS_REGION."""
        env = settings()
        unset = _set(endpoint_url=env.s3_endpoint_url, region_name=env.aws_region)
        fill = {k: v for k, v in unset.items() if getattr(self.s3, k) is None}
        return (self.s3.model_copy(update=fill) if fill else self.s3).get_client()


class EmailResource(dg.ConfigurableResource):
    """How the digest goes out: empty fields come from the FILINGS_EMAIL_* / FILINGS_SMTP_*
    environment variables (the SMTP password only ever from the environment)."""

    transport: str = ""  # none | smtp | ses; empty: FILINGS_EMAIL_TRANSPORT (default none)
    email_from: str = ""  # empty: FILINGS_EMAIL_FROM
    email_to: str = ""  # comma-separated or @file; empty: FILINGS_EMAIL_TO
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_username: str = ""

    def config(self) -> DeliveryConfig:
        from filings_pipeline.delivery import DeliveryConfig

        changes = _set(
            email_transport=self.transport,
            email_from=self.email_from,
            email_to=self.email_to,
            smtp_host=self.smtp_host,
            smtp_port=self.smtp_port or None,
            smtp_username=self.smtp_username,
        )
        return DeliveryConfig.from_settings(dataclasses.replace(settings(), **changes))


def default_resources() -> dict[str, Any]:
    """The resource set the definitions use: nothing set here, so each run takes its
    configuration from the environment it starts in."""
    return {
        "store": ContentStoreResource(),
        "source": FilingSourceResource(),
        "analyzer": AnalyzerResource(),
        "site": SiteResource(s3=S3Resource()),
        "email": EmailResource(),
    }
