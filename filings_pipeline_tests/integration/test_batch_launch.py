"""A CLI launch against a real webserver with NO daemon running: the runs are on the queue as
soon as the command returns (no backfill daemon could have acted: there is none), each with the
tags of the assets it runs; `status` follows the batch and `cancel` stops its queued runs."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from filings_pipeline.cli import main
from filings_pipeline.cli.instance import set_pool_limits
from filings_pipeline.cli.server import DagsterDev
from filings_pipeline.defs.analysis.assets import analyses
from filings_pipeline.defs.ingest.assets import filings
from filings_pipeline.defs.publishing.assets import published_articles
from filings_pipeline.defs.rendering.assets import rendered_articles
from filings_pipeline.devtools.deployment import write_instance_yaml
from filings_pipeline.phases.catalog import BATCH_TAG
from filings_pipeline.sample import generate_mirror
from filings_pipeline_tests.dagster_layer.conftest import make_resources

pytestmark = pytest.mark.integration
DAYS = [date(2026, 11, d) for d in (16, 17, 18, 19)]
ALL = [filings, analyses, rendered_articles, published_articles]
LLM, RENDER = ("filings/llm", "bedrock"), ("filings/render", "jinja")


def test_cli_batch_is_queued_at_once_with_honest_tags_and_cancels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: dict
) -> None:
    home = tmp_path / "home"
    write_instance_yaml(home, "sqlite")
    set_pool_limits(home)
    content = f"sqlite:///{tmp_path / 'content.db'}"
    mirror = tmp_path / "mirror"
    generate_mirror(mirror, DAYS, filings_per_day=3, bad_filings=False)
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
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    a, b, c, d = (x.isoformat() for x in DAYS)
    resources = make_resources(content, tmp_path / "site")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for day, upto in ((b, 2), (c, 3), (d, 4)):  # a: nothing yet
            result = dg.materialize(ALL[:upto], partition_key=day, instance=instance,
                                    resources=resources)  # fmt: skip
            assert result.success
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
