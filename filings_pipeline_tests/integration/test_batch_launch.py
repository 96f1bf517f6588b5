"""A CLI launch against a real webserver with NO daemon running: the runs are on the queue as
soon as the command returns (no backfill daemon could have acted: there is none), each with the
tags of the assets it runs; `status` follows the batch and `cancel` stops its queued runs."""

from __future__ import annotations

import json
import time
from datetime import date

import dagster as dg
import pytest
from click.testing import CliRunner

from filings_pipeline.cli import main
from filings_pipeline.cli.server import DagsterDev
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.phases.catalog import BATCH_TAG, FOLLOW_UP_TAG, FOLLOWS_TAG

pytestmark = pytest.mark.integration
DAYS = [date(2026, 11, d) for d in (16, 17, 18, 19)]
ALL = [filings, analyses, rendered_articles, published_articles]
LLM, RENDER = ("filings/llm", "bedrock"), ("filings/render", "jinja")


def test_cli_batch_is_queued_at_once_with_honest_tags_and_cancels(
    batch_world, figures: dict
) -> None:
    world = batch_world(DAYS, pools=True)
    env, home = world.env, world.home
    a, b, c, d = (x.isoformat() for x in DAYS)
    for day, upto in ((b, 2), (c, 3), (d, 4)):  # a: nothing yet
        world.materialize(ALL[:upto], day)
    with world.instance() as instance:
        before = instance.get_runs_count()
    with DagsterDev(home, env=env, daemon=False) as web:
        t0 = time.monotonic()
        out = CliRunner().invoke(
            main, ["backfill", "--start", a, "--end", d, "--url", web.url, "--json"], env=env
        )
        returned_s = time.monotonic() - t0
        assert out.exit_code == 0, out.output
        launched = json.loads(out.output)
        batch = launched["batch_id"]
        assert launched["runs"] == {
            a: ["filings", "analyses", "rendered_articles", "published_articles"],
            b: ["rendered_articles", "published_articles"],
            c: ["published_articles"],
        }
        assert {(s["day"], s["reason"]) for s in launched["skipped"]} >= {(d, "up to date")}
        with dg.DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs(dg.RunsFilter(tags={BATCH_TAG: batch}))
            assert instance.get_runs_count() == before + 3
            by_day = {r.tags["dagster/partition"]: r for r in runs}
            # queued, with no daemon anywhere: the command itself put them on the queue
            assert {r.status for r in runs} == {dg.DagsterRunStatus.QUEUED}
            tags = {day: set(r.tags.items()) for day, r in by_day.items()}
            # one run per day (FILINGS_BATCH_TWO_STAGES unset): a analyses and renders
            assert len(by_day[a].asset_selection) == 4 and FOLLOW_UP_TAG not in by_day[a].tags
            assert LLM in tags[a] and RENDER in tags[a]
            assert LLM not in tags[b] and RENDER in tags[b]
            assert LLM not in tags[c] and RENDER not in tags[c]
            assert ("filings/phase", "publish") in tags[c]
            assert all("dagster/backfill" not in r.tags for r in runs)
            status = CliRunner().invoke(main, ["status", "--json"], env=env)
            assert status.exit_code == 0, status.output
            snap = json.loads(status.output)
            assert snap["backfill_id"] == batch and snap["runs"] == {"QUEUED": 3}
            phases = {p["asset"]: p for p in snap["phases"]}
            assert phases["published_articles"]["targeted"] == 3
            assert phases["published_articles"]["queued"] == 3
            cancel = CliRunner().invoke(main, ["cancel", batch, "--url", web.url], env=env)
            assert cancel.exit_code == 0, cancel.output
            assert "3 queued run(s) canceled" in cancel.output
            runs = instance.get_runs(dg.RunsFilter(tags={BATCH_TAG: batch}))
            assert {r.status for r in runs} == {dg.DagsterRunStatus.CANCELED}
            after = json.loads(
                CliRunner().invoke(main, ["status", "--backfill", batch, "--json"], env=env).output
            )
            assert after["status"] == "CANCELED"
    figures["cli_batch_launch"] = {
        "first_run_queued_s_after_planning": round(launched["first_queued_s"], 2),
        "command_returned_s": round(returned_s, 2),
        "runs": 3,
        "note": "measured, not asserted; the machine is shared",
    }


def _runs(world, batch: str) -> list:
    with world.instance() as instance:
        return instance.get_runs(dg.RunsFilter(tags={BATCH_TAG: batch}))


def test_a_launch_failing_half_way_prints_the_batch_id_to_cancel(
    batch_world, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The webserver goes away after the first day's run is queued: the command fails, and says
    which batch holds that run, so `cancel` can stop it (here without a webserver: queued)."""
    from filings_pipeline.cli.batches import launch as batch_launch

    world = batch_world(DAYS[:3])
    web = DagsterDev(world.home, env=world.env, daemon=False).start()
    real = batch_launch.launch_asset_run

    def then_stop(*args, **kwargs):
        run_id = real(*args, **kwargs)
        web.stop()  # the next launchRun meets a closed port: a real ConnectionError
        return run_id

    monkeypatch.setattr(batch_launch, "launch_asset_run", then_stop)
    try:
        out = CliRunner().invoke(
            main, ["backfill", "--start", "2026-11-16", "--end", "2026-11-18", "--url", web.url]
        )
    finally:
        web.stop()
    assert out.exit_code == 1, out.output
    batch = out.output.split("Batch ", 1)[1].split(":", 1)[0]
    assert "refused a run for 2026-11-17" in out.output
    assert "1 run(s) were queued before that" in out.output
    assert f"filings-pipeline cancel {batch}" in out.output
    queued = _runs(world, batch)
    assert [r.tags["dagster/partition"] for r in queued] == ["2026-11-16"]
    cancel = CliRunner().invoke(main, ["cancel", batch, "--url", web.url])
    assert cancel.exit_code == 0, cancel.output
    assert "1 queued run(s) canceled" in cancel.output
    assert {r.status for r in _runs(world, batch)} == {dg.DagsterRunStatus.CANCELED}


def test_stale_days_job_with_launch_queues_the_plan_as_a_batch(
    batch_world, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UI's way: stale_days_job with launch: true plans on the instance and launches the
    missing days through FILINGS_DAGSTER_URL, with the same tags and stages as the CLI (here
    with FILINGS_BATCH_TWO_STAGES: each day but the last in two runs)."""
    from filings_pipeline.defs.backfills import stale_days_job
    from filings_pipeline.defs.resources import AnalyzerResource, ContentStoreResource

    world = batch_world(DAYS[:3])
    a, b, c = (x.isoformat() for x in DAYS[:3])
    world.materialize(ALL, b)  # b is up to date: a and c are launched
    with DagsterDev(world.home, env=world.env, daemon=False) as web:
        # the op reads FILINGS_DAGSTER_URL through settings(), like a deployed run would
        monkeypatch.setenv("FILINGS_DAGSTER_URL", web.url)
        monkeypatch.setenv("FILINGS_BATCH_TWO_STAGES", "true")
        config = {"start": a, "end": c, "launch": True}
        with world.instance() as instance:
            result = stale_days_job.execute_in_process(
                run_config={"ops": {"list_stale_days": {"config": config}}},
                instance=instance,
                resources={
                    "analyzer": AnalyzerResource(kind="offline"),
                    "store": ContentStoreResource(db_url=world.content),
                },
            )
    assert result.success
    meta = next(
        e.event_specific_data.metadata
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT" and e.step_key == "list_stale_days"
    )
    assert meta["days_to_run"].value == 2
    batch = meta["batch_id"].value
    runs = {r.tags["dagster/partition"]: r for r in _runs(world, batch)}
    assert sorted(runs) == [a, c]
    assert {r.status for r in runs.values()} == {dg.DagsterRunStatus.QUEUED}
    assert {r.tags["filings/launched_by"] for r in runs.values()} == {"stale-days-job"}
    # a: ingest + analyses first (render + publish follow); c, the last day: one run
    assert {k.to_user_string() for k in runs[a].asset_selection} == {"filings", "analyses"}
    assert runs[a].tags[FOLLOW_UP_TAG] == "published_articles"
    assert LLM in runs[a].tags.items() and RENDER not in runs[a].tags.items()
    assert len(runs[c].asset_selection) == 4 and FOLLOW_UP_TAG not in runs[c].tags
    assert LLM in runs[c].tags.items() and RENDER in runs[c].tags.items()


def _wait(pred, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def test_cancel_stops_started_runs_and_queues_no_follow_up(batch_world, tmp_path) -> None:
    """With a daemon: a batch's first run is STARTED (its analyses wait on a slow model) when
    `cancel` runs; cancel asks it to stop through the webserver, it ends CANCELED, the queued
    run never starts, and the follow-up sensor queues no render + publish for the batch."""
    from filings_pipeline.devtools.converse_server import ConverseServer

    slow = ConverseServer(latency_s=20.0, log_path=tmp_path / "calls.jsonl").start()
    try:
        world = batch_world(
            DAYS[:2],
            per_day=2,
            pools=True,  # bedrock pool 5: both analyses steps run (the call slot is 1)
            FILINGS_ANALYZER="bedrock",
            BEDROCK_ENDPOINT_URL=slow.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="us-east-1",
            FILINGS_MAX_CALLS_IN_FLIGHT="1",  # the second day's run waits for the first's
            FILINGS_ANALYZER_WORKERS="1",
        )
        with DagsterDev(world.home, env=world.env) as web:
            out = CliRunner().invoke(
                main,
                ["backfill", "--start", "2026-11-16", "--end", "2026-11-17", "--url", web.url],
            )
            assert out.exit_code == 0, out.output
            batch = out.output.split("Batch ", 1)[1].split(":", 1)[0]
            _wait(
                lambda: {r.status for r in _runs(world, batch)} == {dg.DagsterRunStatus.STARTED},
                240,
                "both runs of the batch to start",
            )
            _wait(lambda: slow.in_flight() >= 1, 120, "a model call in flight")
            # both in their analyses step (one calling, one waiting for the one call slot): a
            # termination sent the instant a run's process starts can be lost (Dagster)
            time.sleep(3)
            cancel = CliRunner().invoke(main, ["cancel", batch, "--url", web.url])
            assert cancel.exit_code == 0, cancel.output
            assert "started run(s) asked to stop" in cancel.output
            assert "0 started run(s) asked to stop" not in cancel.output
            _wait(
                lambda: {r.status for r in _runs(world, batch)} <= {dg.DagsterRunStatus.CANCELED},
                240,
                "every run of the batch to end canceled",
            )
            time.sleep(12)  # two sensor daemon loops: no follow-up may appear
            runs = _runs(world, batch)
            assert len(runs) == 2 and not any(FOLLOWS_TAG in r.tags for r in runs)
            status = json.loads(
                CliRunner().invoke(main, ["status", "--backfill", batch, "--json"]).output
            )
            assert status["status"] == "CANCELED"
    finally:
        slow.stop()


def test_cancel_while_a_batch_is_still_launching_stops_the_rest(
    batch_world, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long launch (each launchRun slowed to 0.4 s, as on a loaded webserver) is canceled
    after its second run: no day is queued after `cancel`, and every run the batch got ends
    CANCELED. Seen failing without the batch's cancel mark: cancel returned at once and the
    launcher went on queueing the remaining days."""
    import threading

    from filings_pipeline.cli.batches import launch as batch_launch
    from filings_pipeline.cli.batches.launch import cancel_batch

    days = [date(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]
    world = batch_world(days, per_day=1)
    real = batch_launch.launch_asset_run

    def slow_launch(*args, **kwargs):
        run_id = real(*args, **kwargs)
        time.sleep(0.4)
        return run_id

    monkeypatch.setattr(batch_launch, "launch_asset_run", slow_launch)
    canceled: dict[str, object] = {}
    with DagsterDev(world.home, env=world.env, daemon=False) as web:

        def cancel_after_two_runs() -> None:
            with world.instance() as instance:
                launched = dg.RunsFilter(tags={"filings/launched_by": "cli-backfill"})
                runs = _wait(
                    lambda: (r := instance.get_runs(launched)) and len(r) >= 2 and r,
                    60,
                    "two runs of the batch",
                )
                batch = runs[0].tags[BATCH_TAG]
                canceled["batch"] = batch
                canceled["done"] = cancel_batch(instance, batch, web.url, store=world.store)

        canceller = threading.Thread(target=cancel_after_two_runs)
        canceller.start()
        out = CliRunner().invoke(
            main, ["backfill", "--start", "2026-11-02", "--end", "2026-11-13", "--url", web.url]
        )
        canceller.join(timeout=120)
        assert out.exit_code == 0, out.output
        assert "was canceled while it was being launched" in out.output
        time.sleep(1.0)  # nothing may be queued after cancel's return either
        runs = _runs(world, str(canceled["batch"]))
    assert 2 <= len(runs) < 12  # the launch stopped (12 days from 11-02 to 11-13)
    assert {r.status for r in runs} == {dg.DagsterRunStatus.CANCELED}, [
        (r.tags["dagster/partition"], r.status) for r in runs
    ]


def test_a_live_run_is_dequeued_before_a_backlog_of_batch_days(batch_world) -> None:
    """Eight batch days (the weekend too) are queued, then a live run: once the daemon
    dequeues, the live run takes one of the first render run slots (limit 3) instead of
    waiting behind the batch (first come, first served: behind all eight). Batch runs carry
    dagster/priority -1, live runs 10. Seen failing without the priorities: all eight batch
    runs left the queue before the live run."""
    from filings_pipeline.cli.graphql import launch_asset_run
    from filings_pipeline.defs.jobs import LIVE_ASSET_KEYS, live_job

    days = [date(2026, 11, d) for d in (16, 17, 18, 19, 20, 23)]
    world = batch_world(days, per_day=1, pools=True)
    with DagsterDev(world.home, env=world.env, daemon=False) as web:
        out = CliRunner().invoke(
            main, ["backfill", "--start", "2026-11-16", "--end", "2026-11-23", "--url", web.url]
        )
        assert out.exit_code == 0, out.output
        batch = out.output.split("Batch ", 1)[1].split(":", 1)[0]
        live_id = launch_asset_run(
            web.url,
            [k.to_user_string() for k in LIVE_ASSET_KEYS],
            "2026-11-24",
            dict(live_job.tags),
        )
    queued = _runs(world, batch)
    assert len(queued) == 8 and {r.status for r in queued} == {dg.DagsterRunStatus.QUEUED}
    with DagsterDev(world.home, env=world.env):  # now the daemon dequeues

        def live_left_the_queue():
            with world.instance() as instance:
                run = instance.get_run_by_id(live_id)
                return run.status != dg.DagsterRunStatus.QUEUED and run

        _wait(live_left_the_queue, 240, "the live run to leave the queue")
        with world.instance() as instance:
            left = [
                r.run_id
                for r in instance.get_runs(dg.RunsFilter(tags={BATCH_TAG: batch}))
                if r.status != dg.DagsterRunStatus.QUEUED
            ]
    # at most two batch runs went before it: the live run had one of the three render slots
    assert len(left) <= 2, f"{len(left)} batch runs left the queue before the live run"
