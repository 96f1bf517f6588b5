"""Preparing a Dagster instance for the pipeline: DAGSTER_HOME, dagster.yaml, pool limits."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from filings_pipeline.phases.catalog import POOL_LIMITS
from filings_pipeline.settings import settings


def dagster_home() -> Path:
    """$DAGSTER_HOME, or a project-local folder under FILINGS_DATA_DIR."""
    return settings().dagster_home


def prepare_dagster_home(home: Path) -> Path:
    """Create the folder and give it the project's dagster.yaml unless it has one already."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        source = resources.files("filings_pipeline") / "instance" / "dagster.yaml"
        with resources.as_file(source) as path:
            shutil.copyfile(path, target)
    return home


def set_pool_limits(home: Path, limits: dict[str, int] | None = None) -> dict[str, int]:
    """Set the pool limits (bedrock=5, render=3) on the instance at `home`. Idempotent."""
    from dagster import DagsterInstance

    limits = dict(POOL_LIMITS if limits is None else limits)
    with DagsterInstance.from_config(str(home)) as instance:
        for pool, limit in limits.items():
            instance.event_log_storage.set_concurrency_slots(pool, limit)
        return {p: instance.event_log_storage.get_concurrency_info(p).slot_count for p in limits}
