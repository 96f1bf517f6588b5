"""The code location loads, and its declarations say what the design promises."""

from __future__ import annotations

import filecmp
from datetime import timedelta
from pathlib import Path

import dagster as dg
import yaml

from filings_pipeline.definitions import build_definitions
from filings_pipeline.phases.catalog import POOL_LIMITS

REPO = Path(__file__).resolve().parents[2]


def test_definitions_validate_loadable() -> None:
    dg.Definitions.validate_loadable(build_definitions())


def test_assets_partitions_pools_and_automation() -> None:
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {
        "filings",
        "analyses",
        "rendered_articles",
        "published_articles",
        "digest_emails",
    }
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert isinstance(node.partitions_def, dg.DailyPartitionsDefinition)
        assert node.partitions_def.timezone == "America/New_York"
    assets = {a.key.to_user_string(): a for a in defs.assets}
    assert assets["analyses"].op.pool == "bedrock"
    assert assets["rendered_articles"].op.pool == "render"
    assert graph.get(dg.AssetKey("digest_emails")).parent_keys == {
        dg.AssetKey("published_articles")
    }
    for name in ("analyses", "rendered_articles", "published_articles", "digest_emails"):
        cond = graph.get(dg.AssetKey(name)).automation_condition
        window = [op for op in cond.operands if type(op).__name__ == "InLatestTimeWindowCondition"]
        assert window[0].lookback_timedelta == timedelta(days=7)


def test_every_launch_path_we_control_tags_its_runs() -> None:
    defs = build_definitions()
    repo = defs.get_repository_def()
    assert repo.get_job("analyze_job").tags["filings/llm"] == "bedrock"
    assert repo.get_job("render_job").tags["filings/render"] == "jinja"
    assert repo.get_job("pipeline_job").tags["filings/llm"] == "bedrock"
    sensors = {s.name: s for s in repo.sensor_defs}
    auto = sensors["analysis_automation"]
    assert auto.run_tags["filings/llm"] == "bedrock"
    assert sensors["render_automation"].run_tags["filings/render"] == "jinja"
    assert repo.get_job("deliver_job").tags["filings/phase"] == "deliver"
    assert sensors["deliver_automation"].run_tags["filings/phase"] == "deliver"
    for s in (
        "analysis_automation",
        "render_automation",
        "publish_automation",
        "deliver_automation",
    ):
        assert sensors[s].default_status == dg.DefaultSensorStatus.RUNNING


def test_instance_yaml_limits_match_tags_and_pools() -> None:
    root = yaml.safe_load((REPO / "dagster.yaml").read_text())
    assert "storage" not in root  # SQLite by default
    limits = {
        (x["key"], str(x["value"])): x["limit"]
        for x in root["concurrency"]["runs"]["tag_concurrency_limits"]
    }
    assert limits[("filings/llm", "bedrock")] == POOL_LIMITS["bedrock"] == 5
    assert limits[("filings/render", "jinja")] == POOL_LIMITS["render"] == 3
    prod = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    assert prod["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert prod["concurrency"] == root["concurrency"]
    # the copy the CLI installs into DAGSTER_HOME is the repo's file
    assert filecmp.cmp(
        REPO / "dagster.yaml", REPO / "filings_pipeline" / "instance" / "dagster.yaml"
    )


def test_instance_config_parses_with_pools(tmp_path: Path) -> None:
    root = yaml.safe_load((REPO / "dagster.yaml").read_text())
    with dg.instance_for_test(overrides={"concurrency": root["concurrency"]}) as instance:
        cfg = instance.get_concurrency_config()
        assert cfg.pool_config.pool_granularity.value == "op"
        instance.event_log_storage.set_concurrency_slots("bedrock", 5)
        assert instance.event_log_storage.get_concurrency_info("bedrock").slot_count == 5


def test_jobs_sensors_and_assets_follow_the_phase_table() -> None:
    from filings_pipeline.phases.catalog import PHASES, PIPELINE_TAGS

    defs = build_definitions()
    repo = defs.get_repository_def()
    graph = defs.resolve_asset_graph()
    assets = {a.key.to_user_string(): a for a in defs.assets}
    sensors = {s.name: s for s in repo.sensor_defs}
    assert [p.asset for p in PHASES] == [
        "filings", "analyses", "rendered_articles", "published_articles", "digest_emails"
    ]  # fmt: skip
    for p in PHASES:
        key = dg.AssetKey(p.asset)
        assert graph.get(key).group_name == p.group
        assert assets[p.asset].op.pool == p.pool
        job = repo.get_job(p.job)
        assert dict(job.tags) == dict(p.run_tags) and job.tags["filings/phase"] == p.name
        assert job.asset_layer.executable_asset_keys == {key}  # the phase's one asset
        if p.automated:
            assert dict(sensors[p.automation_sensor].run_tags) == dict(p.run_tags)
        else:
            assert p.automation_sensor not in sensors
    assert [p.name for p in PHASES] == ["ingest", "analyze", "render", "publish", "deliver"]
    assert repo.get_job("pipeline_job").tags == dict(PIPELINE_TAGS)
    assert {s for s in sensors if s.endswith("_automation")} == {
        "analysis_automation", "render_automation", "publish_automation", "deliver_automation"
    }  # fmt: skip
