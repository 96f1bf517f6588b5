"""One precedence rule for every resource field: explicit config, then environment, then default.

Each row names a resource field, the variable behind it, and how to observe the value the
resource ends up using (through what it builds, not the field itself). Each row is checked three
ways: field and variable set (the field wins), only the variable set, neither set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dagster_aws.s3 import S3Resource

from filings_pipeline.defs.resources import (
    AnalyzerResource,
    ContentStoreResource,
    FilingSourceResource,
    SiteResource,
)

CONFIG_PREFIXES = ("FILINGS_", "EDGAR_", "BEDROCK_", "AWS_", "S3_", "DAGSTER_")
BEDROCK = {"kind": "bedrock", "region_name": "us-east-1"}


def _site(**fields: Any) -> SiteResource:
    s3 = {k: fields.pop(k) for k in ("endpoint_url", "region_name") if k in fields}
    return SiteResource(s3=S3Resource(**s3), **fields)


def _bucket(**fields: Any) -> SiteResource:
    return _site(s3_bucket="news", region_name="us-east-1", **fields)


def _store(r: ContentStoreResource) -> str:
    return r.get().url


def _src(name: str) -> Callable[[FilingSourceResource], Any]:
    return lambda r: getattr(r.settings(), name)


def _bedrock(name: str) -> Callable[[AnalyzerResource], Any]:
    return lambda r: getattr(r.bedrock_config(), name)


def _analyzer(**preset: Any) -> Callable[..., AnalyzerResource]:
    return lambda **f: AnalyzerResource(**preset, **f)


def _s3_site(**f: Any) -> SiteResource:
    return _site(region_name="us-east-1", **f)


LOCAL = "http://127.0.0.1"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
FORMS = ("8-K", "8-K/A", "10-Q", "10-K")
# (resource, field, variable, explicit, from env, default, observe)
# fmt: off
ROWS: list[tuple[Callable[..., Any], str, str, Any, str, Any, Callable[[Any], Any]]] = [
    (ContentStoreResource, "db_url", "FILINGS_DB_URL", "sqlite:///{tmp}/explicit.db",
     "sqlite:///{tmp}/env.db", "sqlite:///{tmp}/data/content.db", _store),
    (FilingSourceResource, "source", "FILINGS_SOURCE", "edgar", "edgar", "sample", _src("source")),
    (FilingSourceResource, "edgar_identity", "EDGAR_IDENTITY", "Explicit a@b.c", "Env d@e.f", "",
     _src("edgar_identity")),
    (FilingSourceResource, "edgar_archives_url", "EDGAR_ARCHIVES_URL", f"{LOCAL}:1/A",
     f"{LOCAL}:2/A", "https://www.sec.gov/Archives", _src("edgar_archives_url")),
    (FilingSourceResource, "edgar_data_url", "EDGAR_DATA_URL", f"{LOCAL}:1", f"{LOCAL}:2",
     "https://data.sec.gov", _src("edgar_data_url")),
    (FilingSourceResource, "forms", "EDGAR_FORMS", "10-K", "8-K, 10-Q", FORMS, _src("forms")),
    (FilingSourceResource, "watchlist", "EDGAR_WATCHLIST", "ACME", "BETA,1234", (),
     _src("watchlist")),
    (AnalyzerResource, "kind", "FILINGS_ANALYZER", "bedrock", "bedrock", "offline",
     lambda r: r.resolved_kind()),
    (AnalyzerResource, "model_id", "BEDROCK_MODEL_ID", "us.anthropic.claude-sonnet-4-5-x",
     "global.anthropic.claude-haiku-4-5-y", HAIKU, _bedrock("model_id")),
    (AnalyzerResource, "region_name", "AWS_REGION", "eu-west-1", "us-west-2", None,
     _bedrock("region")),
    (AnalyzerResource, "profile_name", "AWS_PROFILE", "explicit", "env", None,
     _bedrock("profile")),
    (AnalyzerResource, "endpoint_url", "BEDROCK_ENDPOINT_URL", f"{LOCAL}:1", f"{LOCAL}:2", None,
     _bedrock("endpoint_url")),
    (AnalyzerResource, "budget_usd", "BEDROCK_RUN_BUDGET_USD", 1.5, "2.5", None,
     _bedrock("budget_usd")),
    (_analyzer(kind="bedrock"), "workers", "FILINGS_ANALYZER_WORKERS", 2, "3", 8,
     lambda r: r.step_workers()),
    (_analyzer(**BEDROCK), "max_calls_in_flight", "FILINGS_MAX_CALLS_IN_FLIGHT", 2, "3", 5,
     lambda r: r.get().slots.limit),
    (_site, "site_dir", "FILINGS_SITE_DIR", "{tmp}/explicit", "{tmp}/env", "site",
     lambda r: str(r.publisher().root)),
    (_site, "base_url", "FILINGS_SITE_BASE_URL", "https://a.example.org", "https://b.example.org",
     "", lambda r: r.site_config().base_url),
    (_s3_site, "s3_bucket", "FILINGS_SITE_S3_BUCKET", "explicit-bucket", "env-bucket", None,
     lambda r: getattr(r.publisher(), "bucket", None)),
    (_bucket, "s3_prefix", "FILINGS_SITE_S3_PREFIX", "explicit", "env", "",
     lambda r: r.publisher().prefix),
    (_s3_site, "endpoint_url", "S3_ENDPOINT_URL", f"{LOCAL}:1", f"{LOCAL}:2",
     "https://s3.amazonaws.com", lambda r: r.s3_client().meta.endpoint_url),
    (_site, "region_name", "AWS_REGION", "eu-west-1", "us-west-2",
     "us-east-1",  # boto3's own default for S3
     lambda r: r.s3_client().meta.region_name),
]
# fmt: on


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No configuration variable set, data under tmp_path, no AWS config files."""
    for name in list(os.environ):
        if name.startswith(CONFIG_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FILINGS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _fill(value: Any, tmp: Path) -> Any:
    return value.format(tmp=tmp) if isinstance(value, str) else value


def _expected(value: Any, tmp: Path, variable: str) -> Any:
    value = _fill(value, tmp)
    if variable in ("EDGAR_FORMS", "EDGAR_WATCHLIST") and isinstance(value, str):
        return tuple(p.strip() for p in value.split(","))
    if variable in ("BEDROCK_RUN_BUDGET_USD",) and isinstance(value, str):
        return float(value)
    if variable in ("FILINGS_ANALYZER_WORKERS", "FILINGS_MAX_CALLS_IN_FLIGHT"):
        return int(value)
    return value


@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{getattr(r[0], '__name__', 'resource')}.{r[1]}" for r in ROWS]
)
def test_explicit_then_environment_then_default(row, clean_env: Path, monkeypatch) -> None:
    make, field, variable, explicit, from_env, default, observe = row
    tmp = clean_env
    explicit, from_env = _fill(explicit, tmp), _fill(from_env, tmp)
    assert explicit != from_env or field in ("source", "kind")
    monkeypatch.setenv(variable, str(from_env))
    if field in ("source", "kind"):  # two choices only: the explicit one against the env's
        monkeypatch.setenv(variable, default)
    assert observe(make(**{field: explicit})) == _expected(explicit, tmp, variable)
    monkeypatch.setenv(variable, str(from_env))
    assert observe(make()) == _expected(from_env, tmp, variable)
    monkeypatch.delenv(variable)
    assert observe(make()) == _expected(default, tmp, variable)
