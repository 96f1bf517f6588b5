"""The same real webserver + daemon on SQLite storage (the `make run` / `make dev` instance):
a 7-day x 4-asset backfill through the UI's mutation (the 10-day one runs on PostgreSQL), and
the deployment-wide limits (the call slots are lock files here, advisory locks on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from filings_pipeline.devtools.deployment import LocalDeployment
from filings_pipeline_tests.integration.plan import FILINGS_PER_DAY, LATENCY_S, DayPlan
from filings_pipeline_tests.integration.scenarios import deployment_limits, ui_backfill

pytestmark = pytest.mark.integration
# More days than the 5 runs the filings/llm tag limit lets start at once, so later days wait
# for earlier runs: rendering of early days then starts before analysis of late days ends.
SQLITE_DAYS = 7


@pytest.fixture(scope="module")
def dep(tmp_path_factory: pytest.TempPathFactory, days: DayPlan) -> Iterator[LocalDeployment]:
    with LocalDeployment(
        tmp_path_factory.mktemp("sqlite-deployment"),
        storage="sqlite",
        days=days.ui_backfill[:SQLITE_DAYS],
        start_date=days.start,
        filings_per_day=FILINGS_PER_DAY,
        converse_latency_s=LATENCY_S,
    ) as deployment:
        yield deployment


def test_ui_backfill_on_sqlite(dep: LocalDeployment, days: DayPlan, figures: dict) -> None:
    ui_backfill(dep, days.ui_backfill[:SQLITE_DAYS], figures, "sqlite_ui_backfill")


def test_deployment_wide_limits_on_sqlite(dep: LocalDeployment, figures: dict) -> None:
    deployment_limits(dep, figures, "sqlite_deployment")
