"""Fixtures shared by the whole suite: PostgreSQL databases, the ../shared fixtures folder."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

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
