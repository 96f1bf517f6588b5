"""Fixtures shared by the whole suite: PostgreSQL databases, the ../shared fixtures folder, and
the deployment the batch tests (CLI cost, launch, cancel) start from."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_EDGAR = REPO_ROOT.parent / "shared" / "fixtures" / "edgar"
PG_ADMIN_URL = os.environ.get(
    "FILINGS_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def shared_edgar() -> Path:
    """The real EDGAR fixture files in ../shared (absent in a user's clone: the test skips)."""
    if not SHARED_EDGAR.is_dir():
        pytest.skip("../shared/fixtures/edgar not present (a user's clone has no ../shared)")
    return SHARED_EDGAR


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """Check the local PostgreSQL answers; a missing server fails the test (not a skip),
    unless FILINGS_SKIP_POSTGRES=1 says this machine has none."""
    if os.environ.get("FILINGS_SKIP_POSTGRES") == "1":
        pytest.skip("FILINGS_SKIP_POSTGRES=1")
    try:
        with _pg_admin().connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}. Start it (.ci/run does)."
        )
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"filings_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    yield url
    from filings_pipeline.store import repository

    engine = repository._ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def content_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Content-store URL: each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'content.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    """Switch threads every 10 us (restored afterwards), so races on shared state show up in a
    few thousand calls instead of hiding behind the default 5 ms slice."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@dataclass
class BatchWorld:
    """A deployment for batch tests: a SQLite Dagster instance at `home` (the project's
    dagster.yaml), a SQLite content store, a sample mirror of `days`, and `env` (also set in
    os.environ for the test) that a CLI call or a webserver started on it needs."""

    home: Path
    content: str
    env: dict[str, str]
    resources: dict[str, Any]

    @property
    def store(self):  # -> ContentStore
        from filings_pipeline.store import ContentStore

        return ContentStore(self.content)

    def instance(self):  # -> DagsterInstance, a context manager
        import dagster as dg

        return dg.DagsterInstance.from_config(str(self.home))

    def materialize(self, assets: list, day: str) -> None:
        """Materialize `assets` (asset definitions) for one day into the instance."""
        import dagster as dg

        with self.instance() as instance:
            result = dg.materialize(
                assets, partition_key=day, instance=instance, resources=self.resources
            )
        assert result.success


@pytest.fixture
def batch_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., BatchWorld]:
    """make(days, per_day=3, pools=False, **env overrides) -> BatchWorld (see there)."""

    def make(
        days: list[date], *, per_day: int = 3, pools: bool = False, **overrides: str
    ) -> BatchWorld:
        from filings_pipeline.cli.instance import set_pool_limits
        from filings_pipeline.devtools.deployment import write_instance_yaml
        from filings_pipeline.sample import generate_mirror
        from filings_pipeline_tests.dagster_layer.conftest import make_resources

        home = tmp_path / "home"
        write_instance_yaml(home, "sqlite")
        if pools:
            set_pool_limits(home)
        content = f"sqlite:///{tmp_path / 'content.db'}"
        mirror = tmp_path / "mirror"
        generate_mirror(mirror, days, filings_per_day=per_day, bad_filings=False)
        env = {
            "DAGSTER_HOME": str(home),
            "FILINGS_DB_URL": content,
            "FILINGS_SOURCE": "sample",
            "FILINGS_SAMPLE_DIR": str(mirror),
            "FILINGS_DATA_DIR": str(tmp_path / "data"),
            "FILINGS_SITE_DIR": str(tmp_path / "site"),
            "FILINGS_START_DATE": "2026-11-02",
            "FILINGS_ANALYZER": "offline",
            "FILINGS_NEW_FILINGS_SENSOR": "stopped",
            **overrides,
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        return BatchWorld(home, content, env, make_resources(content, tmp_path / "site"))

    return make
