"""Shared fixtures: dummy SigV4 credentials, the local Converse server, filings, analyzers."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from filings_pipeline.analysis.bedrock import BedrockAnalyzer, BedrockConfig
from filings_pipeline.analysis.call_limit import CallSlots
from filings_pipeline.devtools.converse_server import ConverseServer
from filings_pipeline.edgar.models import Exhibit, Filing

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Dummy credentials through boto3's default chain (env); no user config files."""
    missing = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(missing))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(missing))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "BEDROCK_PRICE_INPUT_PER_MTOK",
        "BEDROCK_PRICE_OUTPUT_PER_MTOK",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[ConverseServer]:
    with ConverseServer(record_requests=True) as srv:
        yield srv


def fast_config(url: str, **kw: object) -> BedrockConfig:
    """Fast test settings: standard retries, few attempts, no back-off sleeps of our own."""
    values: dict[str, object] = {
        "region": "us-east-1",
        "endpoint_url": url,
        "retry_mode": "standard",
        "total_max_attempts": 3,
        "timeout_backoff_s": 0.0,
        "read_timeout": 10,
        "connect_timeout": 5,
    }
    values.update(kw)
    return BedrockConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def analyzer_for(server: ConverseServer) -> Callable[..., BedrockAnalyzer]:
    def make(**kw: object) -> BedrockAnalyzer:
        extra = {k: kw.pop(k) for k in ("budget", "slots") if k in kw}
        return BedrockAnalyzer(fast_config(server.url, **kw), **extra)  # type: ignore[arg-type]

    return make


def make_filing(n: int = 1, **kw: object) -> Filing:
    """An earnings 8-K (items 2.02, 9.01) with a press release; fields overridable."""
    company = kw.pop("company", f"Acme Widgets {n} Inc.")
    values: dict[str, object] = {
        "accession": f"0000000000-26-{n:06d}",
        "cik": 1000 + n,
        "company": company,
        "form": "8-K",
        "day": date(2026, 11, 2),
        "date_filed": date(2026, 11, 2),
        "primary_document": "acme-8k.htm",
        "primary_url": f"https://www.sec.gov/Archives/edgar/data/{1000 + n}/acme-8k.htm",
        "index_url": f"https://www.sec.gov/Archives/edgar/data/{1000 + n}/index.htm",
        "text": f"{company} furnished its quarterly results. Revenue was ${n}.5 billion.",
        "tickers": ["ACME"],
        "items": ["2.02", "9.01"],
        "sections": {
            "2.02": (
                f"On November 2, 2026, {company} announced results for the third quarter. "
                f"Revenue was ${n}.5 billion, up {n + 3}.1% from a year earlier. "
                "The press release is furnished as Exhibit 99.1."
            ),
            "9.01": "(d) Exhibits. 99.1 Press release dated November 2, 2026.",
        },
        "exhibits": [
            Exhibit(
                "EX-99.1",
                "ex99-1.htm",
                "https://www.sec.gov/ex99-1.htm",
                f"{company} reports third quarter results. Net income was ${n}12 million. "
                "Diluted earnings per share were $1.07.",
            )
        ],
    }
    values.update(kw)
    return Filing(**values)  # type: ignore[arg-type]


def pg_available() -> None:
    """Fail (or skip with FILINGS_SKIP_POSTGRES=1) when the test PostgreSQL is down."""
    import psycopg2

    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test").close()
    except psycopg2.OperationalError as exc:
        if os.environ.get("FILINGS_SKIP_POSTGRES") == "1":
            pytest.skip("PostgreSQL not reachable and FILINGS_SKIP_POSTGRES=1")
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}")


@pytest.fixture(params=["file", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict:
    """Backend settings; a random advisory-lock classid keeps parallel test runs apart."""
    if request.param == "postgres":
        pg_available()
        db_url = PG_URL
    else:
        db_url = f"sqlite:///{tmp_path / 'content.db'}"
    return {
        "db_url": db_url,
        "lock_dir": str(tmp_path / "slots"),
        "classid": random.randrange(1, 2**31 - 1),
    }


def slots_for(b: dict, limit: int, **kw: object) -> CallSlots:
    """CallSlots on the `backend` fixture's backend."""
    return CallSlots.from_url(
        b["db_url"], limit=limit, lock_dir=Path(b["lock_dir"]), classid=b["classid"], **kw
    )
