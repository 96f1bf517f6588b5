"""A local deployment of the pipeline: a real webserver + daemon on a throwaway (or given) instance.

`LocalDeployment` builds DAGSTER_HOME with SQLite storage (the packaged dagster.yaml) or
PostgreSQL storage (deploy/dagster.yaml's settings pointing at a given database), sets the pool
limits, optionally starts the local Bedrock Converse server (fixed latency, JSONL call log) and
points the Bedrock analyzer at it, writes a sample EDGAR mirror, and starts `dagster dev` with
the environment every run worker must share. The integration tests and benchmarks use it; it
is plain Python (Dagster is only imported to read the instance).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import yaml

from filings_pipeline.cli import graphql
from filings_pipeline.cli.backfill_state import BackfillProgress
from filings_pipeline.cli.instance import set_pool_limits
from filings_pipeline.cli.server import DagsterDev

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from filings_pipeline.devtools.converse_server import ConverseServer

STORAGES = ("sqlite", "postgres")


def postgres_storage(db_url: str) -> dict[str, Any]:
    """deploy/dagster.yaml's `storage:` block with the values of a PostgreSQL URL filled in."""
    url = sa.engine.make_url(db_url)
    if not url.drivername.startswith("postgresql") or not url.database:
        raise ValueError(f"not a PostgreSQL database URL: {url.render_as_string()}")
    return {
        "postgres": {
            "postgres_db": {
                "hostname": url.host or "127.0.0.1",
                "port": int(url.port or 5432),
                "username": url.username or "postgres",
                "password": url.password or "",
                "db_name": url.database,
                "scheme": "postgresql+psycopg2",  # required with SQLAlchemy >= 2.1
            }
        }
    }


def live_desk_env(
    archives_url: str, data_url: str, day: date, identity: str, interval_s: float
) -> dict[str, str]:
    """A deployment's settings for the live desk against a local EDGAR-like server: the live
    sensor running every `interval_s`, partitions from `day` (today)."""
    return {
        "FILINGS_SOURCE": "edgar",
        "EDGAR_IDENTITY": identity,
        "EDGAR_ARCHIVES_URL": archives_url,
        "EDGAR_DATA_URL": data_url,
        "FILINGS_LIVE_SENSOR": "running",
        "FILINGS_LIVE_INTERVAL_SECONDS": str(interval_s),
        "FILINGS_START_DATE": day.isoformat(),
    }


def write_instance_yaml(home: Path, storage: str, dagster_db_url: str | None = None) -> Path:
    """Write `home/dagster.yaml`: the packaged SQLite file, plus a PostgreSQL `storage:` block."""
    if storage not in STORAGES:
        raise ValueError(f"storage must be one of {STORAGES}, not {storage!r}")
    home.mkdir(parents=True, exist_ok=True)
    source = resources.files("filings_pipeline") / "instance" / "dagster.yaml"
    config = yaml.safe_load(source.read_text())
    if storage == "postgres":
        if not dagster_db_url:
            raise ValueError("PostgreSQL storage needs dagster_db_url")
        config = {"storage": postgres_storage(dagster_db_url), **config}
    target = home / "dagster.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


class LocalDeployment:
    """A throwaway (or given) Dagster instance with a running webserver and daemon.

    Use as a context manager. Everything lives under `root` (a fresh temporary folder when
    None): `dagster_home/`, `data/` (SQLite content store, call-slot lock files), `site/`,
    `sample-edgar/`, `calls.jsonl` (the Converse server's call log).
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        storage: str = "sqlite",
        dagster_db_url: str | None = None,
        content_db_url: str | None = None,
        home: Path | None = None,
        days: Sequence[date] = (),
        filings_per_day: int = 6,
        converse_latency_s: float | None = None,
        start_date: date | None = None,
        new_filings_sensor: bool = False,
        sensor_interval_s: int = 5,
        lookback_days: int = 7,
        env: dict[str, str] | None = None,
        port: int | None = None,
        start_timeout_s: float = 240.0,
    ) -> None:
        if storage not in STORAGES:
            raise ValueError(f"storage must be one of {STORAGES}, not {storage!r}")
        if storage == "postgres" and not dagster_db_url:
            raise ValueError("storage='postgres' needs dagster_db_url (an empty database)")
        self._tmp = None if root else tempfile.mkdtemp(prefix="filings-deploy-")
        self.root = Path(root or self._tmp).absolute()
        self.storage = storage
        self.dagster_db_url = dagster_db_url
        self.home = Path(home).absolute() if home else self.root / "dagster_home"
        self.data_dir = self.root / "data"
        self.site_dir = self.root / "site"
        self.sample_dir = self.root / "sample-edgar"
        self.call_log = self.root / "calls.jsonl"
        self.content_db_url = content_db_url or f"sqlite:///{self.data_dir / 'content.db'}"
        self.days = list(days)
        self.filings_per_day = filings_per_day
        self.converse_latency_s = converse_latency_s
        self.start_date = start_date or (min(self.days) if self.days else None)
        self.new_filings_sensor = new_filings_sensor
        self.sensor_interval_s = sensor_interval_s
        self.lookback_days = lookback_days
        self.extra_env = dict(env or {})
        self.port = port
        self.start_timeout_s = start_timeout_s
        self.converse: ConverseServer | None = None
        self.dagster: DagsterDev | None = None
        self._instance: DagsterInstance | None = None

    # ----- lifecycle -----
    def start(self) -> LocalDeployment:
        """Build the instance, start the Converse server (if asked) and `dagster dev`."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            write_instance_yaml(self.home, self.storage, self.dagster_db_url)
            set_pool_limits(self.home)
            if self.days:
                self.add_days(self.days)
            if self.converse_latency_s is not None:
                from filings_pipeline.devtools.converse_server import ConverseServer

                self.converse = ConverseServer(
                    latency_s=self.converse_latency_s, log_path=self.call_log
                ).start()
            self.dagster = DagsterDev(self.home, port=self.port, env=self.env())
            self.dagster.start(timeout_s=self.start_timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop `dagster dev` (its whole process group), the Converse server, the instance."""
        if self._instance is not None:
            with contextlib.suppress(Exception):
                self._instance.dispose()
            self._instance = None
        if self.dagster is not None:
            self.dagster.stop()
            self.dagster = None
        if self.converse is not None:
            self.converse.stop()
            self.converse = None

    def cleanup(self) -> None:
        """Delete the temporary root (only when this deployment created it)."""
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> LocalDeployment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- configuration -----
    def env(self) -> dict[str, str]:
        """The environment the webserver, daemon and every run worker get."""
        env = {
            "DAGSTER_HOME": str(self.home),
            "FILINGS_DATA_DIR": str(self.data_dir),
            "FILINGS_DB_URL": self.content_db_url,
            "FILINGS_SITE_DIR": str(self.site_dir),
            "FILINGS_SOURCE": "sample",
            "FILINGS_SAMPLE_DIR": str(self.sample_dir),
            "FILINGS_NEW_FILINGS_SENSOR": "running" if self.new_filings_sensor else "stopped",
            "FILINGS_SENSOR_INTERVAL_SECONDS": str(self.sensor_interval_s),
            "FILINGS_LOOKBACK_DAYS": str(self.lookback_days),
            "DAGSTER_DISABLE_TELEMETRY": "1",
            # Dagster's own gRPC deadlines (60 s by default) to the code server: a 2-core
            # machine running a test suite beside the deployment can need longer to answer.
            "DAGSTER_GRPC_TIMEOUT_SECONDS": "180",
            "DAGSTER_REPOSITORY_GRPC_TIMEOUT_SECONDS": "180",
            "DAGSTER_SENSOR_GRPC_TIMEOUT_SECONDS": "180",
        }
        if self.start_date:
            env["FILINGS_START_DATE"] = self.start_date.isoformat()
        if self.converse is not None:
            env.update(
                {
                    "FILINGS_ANALYZER": "bedrock",
                    "BEDROCK_ENDPOINT_URL": self.converse.url,
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_REGION": "us-east-1",
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true",
                }
            )
        env.update(self.extra_env)
        return env

    @property
    def url(self) -> str:
        """The webserver's base URL."""
        if self.dagster is None:
            raise RuntimeError("deployment not started")
        return self.dagster.url

    def add_days(self, days: Iterable[date]) -> int:
        """Write (or extend) the sample mirror with `days`; the number of filings written."""
        from filings_pipeline.sample import generate_mirror

        manifest = generate_mirror(self.sample_dir, list(days), self.filings_per_day)
        return len(manifest.filings)

    # ----- reading and launching -----
    def instance(self) -> DagsterInstance:
        """A DagsterInstance on this deployment's storage (for run records and events)."""
        if self._instance is None:
            from dagster import DagsterInstance

            self._instance = DagsterInstance.from_config(str(self.home))
        return self._instance

    def launch_backfill(
        self,
        days: Sequence[date | str],
        assets: Sequence[str],
        tags: dict[str, str] | None = None,
        title: str | None = None,
    ) -> str:
        """Launch an asset backfill through GraphQL (the UI's "Launch backfill"); its id."""
        keys = [d if isinstance(d, str) else d.isoformat() for d in days]
        return graphql.launch_backfill(
            self.url,
            keys,
            list(assets),
            dict(tags or {}),
            title=title or f"{keys[0]}..{keys[-1]}",
        )

    def wait_backfill(
        self, backfill_id: str, timeout_s: float = 600.0, interval_s: float = 1.0
    ) -> BackfillProgress:
        """Poll until the backfill ends; its final state. TimeoutError if it does not end."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = graphql.backfill_state(self.url, backfill_id)
            if state.done:
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"backfill {backfill_id} still {state.status} after {timeout_s}s"
                )
            time.sleep(interval_s)

    def wait_runs_finished(
        self, run_ids: Sequence[str], timeout_s: float = 600.0, interval_s: float = 1.0
    ) -> dict[str, str]:
        """Poll until every run has finished; run id -> final status name."""
        from dagster import RunsFilter

        deadline = time.monotonic() + timeout_s
        while True:
            records = self.instance().get_runs(RunsFilter(run_ids=list(run_ids)))
            statuses = {r.run_id: r.status.value for r in records}
            if len(statuses) == len(run_ids) and all(r.is_finished for r in records):
                return statuses
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs not finished after {timeout_s}s: {statuses}")
            time.sleep(interval_s)
