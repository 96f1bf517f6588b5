"""A real webserver + daemon on PostgreSQL storage, the Bedrock analyzer on the local Converse
server, and work launched every way a user launches it. One deployment serves the module; the
tests run in file order and the last one checks the deployment-wide limits over all of them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from filings_pipeline.cli import main
from filings_pipeline.cli.graphql import launch_asset_run
from filings_pipeline.devtools.deployment import LocalDeployment
from filings_pipeline.phases.catalog import INGEST
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.integration.measure import (
    ASSETS,
    all_runs,
    materializations,
    wait_until,
)
from filings_pipeline_tests.integration.plan import FILINGS_PER_DAY, LATENCY_S, DayPlan, iso
from filings_pipeline_tests.integration.scenarios import (
    BACKFILL_TIMEOUT_S,
    deployment_limits,
    ui_backfill,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
def dep(
    tmp_path_factory: pytest.TempPathFactory, pg_databases: tuple[str, str], days: DayPlan
) -> Iterator[LocalDeployment]:
    dagster_url, content_url = pg_databases
    with LocalDeployment(
        tmp_path_factory.mktemp("pg-deployment"),
        storage="postgres",
        dagster_db_url=dagster_url,
        content_db_url=content_url,
        days=days.mirror_at_start,
        start_date=days.start,
        filings_per_day=FILINGS_PER_DAY,
        converse_latency_s=LATENCY_S,
        new_filings_sensor=True,
    ) as deployment:
        yield deployment


def test_ui_backfill_while_the_sensor_finds_new_days(
    dep: LocalDeployment, days: DayPlan, figures: dict
) -> None:
    """New days appear in the source while a 10-day x 4-asset backfill runs."""
    dep.add_days(days.sensor)  # the new-filings sensor (every 5 s) will notice them
    ui_backfill(dep, days.ui_backfill, figures, "postgres_ui_backfill")


def test_cli_backfill_and_status_watch(dep: LocalDeployment, days: DayPlan, figures: dict) -> None:
    runner = CliRunner()
    first, last = days.cli_backfill[0].isoformat(), days.cli_backfill[-1].isoformat()
    env = dep.env()  # the CLI plans on the deployment's instance and content store
    launched = runner.invoke(
        main, ["backfill", "--start", first, "--end", last, "--url", dep.url, "--json"], env=env
    )
    assert launched.exit_code == 0, launched.output
    info = json.loads(launched.output)
    backfill_id = info["batch_id"]
    # default: through publishing, as the publish automation (FILINGS_PUBLISH_MODE decides)
    assert info["assets"] == ["filings", "analyses", "rendered_articles", "published_articles"]
    assert set(info["runs"]) == set(iso(days.cli_backfill))  # nothing of them done before
    watched = runner.invoke(
        main,
        ["status", "--backfill", backfill_id, "--watch", "--interval", "1", "--timeout", "900"],
        env=env,
    )
    assert watched.exit_code == 0, watched.output
    final = watched.output.strip().splitlines()[-5:]
    assert "[completed_success]" in final[0], watched.output
    n = len(days.cli_backfill)
    for line, label in zip(final[1:], ("ingest", "analyse", "render", "publish"), strict=True):
        assert label in line and f"{n}/{n} days done, 0 running, 0 queued, 0 failed" in line
    snapshot = runner.invoke(main, ["status", "--json"], env=env)  # the latest backfill
    assert snapshot.exit_code == 0, snapshot.output
    progress = json.loads(snapshot.output)
    assert progress["backfill_id"] == backfill_id
    store = ContentStore(dep.content_db_url)
    tables = ("filings", "analyses", "articles", "publications")
    for phase, table in zip(progress["phases"], tables, strict=True):
        expected = sum(store.count_rows(table, d) for d in days.cli_backfill)
        assert phase["filings"] == expected > 0
    instance = dep.instance()
    runs = all_runs(instance, {"filings/batch": backfill_id})
    assert {r.tags.get("filings/launched_by") for r in runs} == {"cli-backfill"}
    assert all("dagster/backfill" not in r.tags for r in runs)
    # one run per day (FILINGS_BATCH_TWO_STAGES unset), no follow-ups
    assert len(runs) == n and not any("filings/follows" in r.tags for r in runs)
    counts = materializations(instance, ASSETS, iso(days.cli_backfill))
    assert counts == {(a, d): 1 for a in ASSETS for d in iso(days.cli_backfill)}
    figures["postgres_cli_backfill"] = {
        "days": n,
        "elapsed_s": progress["elapsed_s"],
        "throughput_filings_per_min": progress["throughput_per_min"],
    }


def test_sensor_and_automation_take_up_new_days(dep: LocalDeployment, days: DayPlan) -> None:
    instance = dep.instance()
    keys = iso(days.sensor)
    phases = [*ASSETS, "digest_emails"]  # recent days: delivery automation sends their digest
    wanted = {(a, d) for a in phases for d in keys}
    wait_until(
        lambda: set(materializations(instance, phases, keys)) >= wanted,
        BACKFILL_TIMEOUT_S,
        f"the sensor and automation to carry {keys} through all five phases",
    )
    wait_until(lambda: all(r.is_finished for r in all_runs(instance)), 300, "runs to finish")
    counts = materializations(instance, phases, keys)
    assert counts == {k: 1 for k in wanted}
    runs = [r for r in all_runs(instance) if r.tags.get("dagster/partition") in keys]
    by_sensor: dict[str, set[str]] = {}
    for r in runs:
        assert r.status.value == "SUCCESS", r.run_id
        by_sensor.setdefault(r.tags.get("dagster/sensor_name", ""), set()).add(
            r.tags.get("filings/phase", "")
        )
    assert by_sensor == {
        "new_filings_sensor": {"ingest"},
        "analysis_automation": {"analyze"},
        "render_automation": {"render"},
        "publish_automation": {"publish"},
        "deliver_automation": {"deliver"},
    }
    assert all(
        r.tags.get("filings/llm") == "bedrock"
        for r in runs
        if r.tags.get("dagster/sensor_name") == "analysis_automation"
    )


def test_plain_materialize_without_tags(dep: LocalDeployment, days: DayPlan) -> None:
    """The UI's "Materialize" button: no project tags, only the pools and call slots apply."""
    keys = iso(days.plain_materialize)
    ingest = dep.launch_backfill(keys, ["filings"], {**INGEST.run_tags}, title="it ingest")
    assert dep.wait_backfill(ingest, timeout_s=BACKFILL_TIMEOUT_S).status == "COMPLETED_SUCCESS"
    run_ids = [launch_asset_run(dep.url, ["analyses"], k) for k in keys]
    statuses = dep.wait_runs_finished(run_ids, timeout_s=BACKFILL_TIMEOUT_S)
    assert set(statuses.values()) == {"SUCCESS"}, statuses
    instance = dep.instance()
    for rid in run_ids:
        run = instance.get_run_by_id(rid)
        assert not any(k.startswith("filings/") for k in run.tags), run.tags
    counts = materializations(instance, ASSETS, keys)
    assert counts == {(a, d): 1 for a in ("filings", "analyses") for d in keys}
    store = ContentStore(dep.content_db_url)
    assert all(store.count_rows("analyses", d) > 0 for d in days.plain_materialize)


def test_deployment_wide_limits(dep: LocalDeployment, figures: dict) -> None:
    """Over every launch path above: 5 Bedrock calls in flight at most (and reached),
    at most 3 renders at once, nothing left queued, nothing materialized twice."""
    deployment_limits(dep, figures, "postgres_deployment")
