"""A throwaway benchmark deployment: PostgreSQL for Dagster and the content store, the
project's dagster.yaml concurrency block (optionally with every limit set to 1), pools, the
local Converse server, a sample mirror and a real `dagster dev` (webserver + daemon)."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from filings_pipeline.cli.instance import set_pool_limits
from filings_pipeline.cli.server import DagsterDev
from filings_pipeline.devtools.converse_server import ConverseServer
from filings_pipeline.phases.catalog import POOL_LIMITS

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get(
    "FILINGS_BENCH_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class Limits:
    """Every concurrency knob the benchmark turns."""

    llm_runs: int = 5  # run tag limit filings/llm=bedrock
    render_runs: int = 3  # run tag limit filings/render=jinja
    per_backfill: int = 8  # run tag limit per filings/batch (and per dagster/backfill)
    max_runs: int = 10  # concurrency.runs.max_concurrent_runs
    pools: dict[str, int] = field(default_factory=lambda: dict(POOL_LIMITS))
    call_slots: int = 5  # deployment-wide calls in flight (CallSlots)
    workers: int = 8  # threads per analysis step (FILINGS_ANALYZER_WORKERS default)

    @classmethod
    def all_one(cls) -> Limits:
        """The sequential baseline: every limit 1."""
        return cls(1, 1, 1, 1, {p: 1 for p in POOL_LIMITS}, 1, 1)


class Databases:
    """Fresh PostgreSQL databases, dropped on close."""

    def __init__(self, admin_url: str = PG_ADMIN_URL) -> None:
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.admin_url = sa.engine.make_url(admin_url)
        self.names: list[str] = []

    def create(self, purpose: str) -> sa.URL:
        name = f"filings_bench_{purpose}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return self.admin_url.set(database=name)

    def server_version(self) -> str:
        with self.admin.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar())

    def close(self) -> None:
        from filings_pipeline.store import repository

        for url, engine in list(repository._ENGINES.items()):
            if any(n in url for n in self.names):
                engine.dispose()
                repository._ENGINES.pop(url, None)
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.names.clear()
        self.admin.dispose()


STOCK_MODULE = "filings_pipeline.definitions"
# The in-process executor and the 1 s dequeue interval this benchmark first tried are now the
# project's own settings (definitions.py, dagster.yaml). `--tuned` is left as an experiment:
# a higher run tag limit for filings/llm.
TUNED_LLM_RUNS = 8  # run tag limit filings/llm=bedrock (5 as shipped); pool and slots stay 5


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `extra` into a copy of `base`."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def instance_yaml(
    dagster_db: sa.URL, limits: Limits, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """deploy/dagster.yaml with literal connection values, the given limits and overrides."""
    cfg = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())
    cfg["storage"] = {
        "postgres": {
            "postgres_db": {
                "hostname": dagster_db.host or "127.0.0.1",
                "port": dagster_db.port or 5432,
                "username": dagster_db.username or "postgres",
                "password": dagster_db.password or "",
                "db_name": dagster_db.database,
                "scheme": "postgresql+psycopg2",
            }
        }
    }
    runs = cfg["concurrency"]["runs"]
    runs["max_concurrent_runs"] = limits.max_runs
    for rule in runs["tag_concurrency_limits"]:
        if rule["key"] == "filings/llm":
            rule["limit"] = limits.llm_runs
        elif rule["key"] == "filings/render":
            rule["limit"] = limits.render_runs
        elif rule["key"] in ("dagster/backfill", "filings/batch"):
            rule["limit"] = limits.per_backfill
    cfg.setdefault("nux", {"enabled": False})
    return merge(cfg, overrides or {})


class BenchDeployment:
    """Everything one scenario runs against. Use as a context manager."""

    def __init__(
        self,
        workdir: Path,
        *,
        latency_s: float,
        limits: Limits,
        start_date: date,
        mirror_dir: Path,
        databases: Databases,
        tuned: bool = False,
    ) -> None:
        self.workdir = workdir
        self.limits = limits
        self.mirror_dir = mirror_dir
        self.start_date = start_date
        self.home = workdir / "dagster_home"
        self.call_log = workdir / "calls.jsonl"
        self.dagster_db = databases.create("dagster")
        self.content_db = databases.create("content")
        self.converse = ConverseServer(latency_s=latency_s, log_path=self.call_log)
        self.tuned = tuned
        self.dagster: DagsterDev | None = None

    @property
    def content_url(self) -> str:
        return self.content_db.render_as_string(hide_password=False)

    @property
    def dagster_url(self) -> str:
        return self.dagster_db.render_as_string(hide_password=False)

    def env(self) -> dict[str, str]:
        """What the webserver, daemon and every run worker see."""
        return {
            "DAGSTER_HOME": str(self.home),
            "FILINGS_DATA_DIR": str(self.workdir / "data"),
            "FILINGS_DB_URL": self.content_url,
            "FILINGS_SITE_DIR": str(self.workdir / "site"),
            "FILINGS_SOURCE": "sample",
            "FILINGS_SAMPLE_DIR": str(self.mirror_dir),
            "FILINGS_START_DATE": self.start_date.isoformat(),
            "FILINGS_ANALYZER": "bedrock",
            "BEDROCK_ENDPOINT_URL": self.converse.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "FILINGS_MAX_CALLS_IN_FLIGHT": str(self.limits.call_slots),
            "FILINGS_ANALYZER_WORKERS": str(self.limits.workers),
            "FILINGS_NEW_FILINGS_SENSOR": "stopped",
            "DAGSTER_DISABLE_TELEMETRY": "1",
        }

    def start(self) -> BenchDeployment:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(exist_ok=True)
        self.converse.start()
        cfg = instance_yaml(self.dagster_db, self.limits)
        (self.home / "dagster.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        set_pool_limits(self.home, self.limits.pools)
        self.dagster = DagsterDev(self.home, env=self.env()).start()
        return self

    @property
    def url(self) -> str:
        assert self.dagster is not None, "deployment not started"
        return self.dagster.url

    def stop(self) -> None:
        if self.dagster is not None:
            self.dagster.stop(timeout_s=20)  # then SIGKILL: nothing of it is measured any more
            self.dagster = None
        self.converse.stop()

    def __enter__(self) -> BenchDeployment:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def remove_tree(path: Path) -> None:
    """Delete a work folder, ignoring what is already gone."""
    shutil.rmtree(path, ignore_errors=True)
