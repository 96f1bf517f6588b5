"""Fixtures for the real-daemon tests: the day plan, throwaway PostgreSQL databases, figures."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from filings_pipeline_tests.integration.plan import DayPlan, day_plan

REPO_ROOT = Path(__file__).resolve().parents[2]
FIGURES_PATH = REPO_ROOT / "test-output" / "integration-figures.json"
_FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="session")
def days() -> DayPlan:
    return day_plan()


@pytest.fixture(scope="module")
def pg_databases(pg_server: str) -> Iterator[tuple[str, str]]:
    """Two empty PostgreSQL databases (Dagster storage, content store), dropped afterwards."""
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    names = [f"filings_it_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("dagster", "content")]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = sa.engine.make_url(pg_server)
    urls = [base.set(database=n).render_as_string(hide_password=False) for n in names]
    yield urls[0], urls[1]
    from filings_pipeline.store import repository

    for url in urls:
        engine = repository._ENGINES.pop(url, None)
        if engine is not None:
            engine.dispose()
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, dict]]:
    """Measured figures by test; written to test-output/integration-figures.json at the end."""
    yield _FIGURES
    if _FIGURES:
        FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
        FIGURES_PATH.write_text(json.dumps(_FIGURES, indent=2, sort_keys=True) + "\n")


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest hook
    """Print the measured figures so CI logs show them."""
    if not _FIGURES:
        return
    terminalreporter.section("integration figures (real daemon)")
    for name, values in _FIGURES.items():
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        terminalreporter.write_line(f"{name}: {shown}")
    terminalreporter.write_line(f"written to {FIGURES_PATH}")
