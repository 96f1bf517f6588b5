"""deploy/ecs/dagster.yaml loads through Dagster's own instance loading: PostgreSQL storage, the
queued coordinator with the project's limits, and a real EcsRunLauncher built from the file.

No AWS: the launcher only creates boto3 clients when it starts (it needs a region), and the dict
form of `task_definition` makes it call nothing. A mistyped key fails with Dagster's config error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from dagster import DagsterInstance
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_aws.ecs import EcsRunLauncher
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
from dagster_postgres import PostgresRunStorage

from filings_pipeline_tests.conftest import REPO_ROOT

pytestmark = pytest.mark.postgres

ECS_YAML = REPO_ROOT / "deploy" / "ecs" / "dagster.yaml"
LOCAL_YAML = REPO_ROOT / "dagster.yaml"
PG_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:filings/pg-password-AbCdEf"


@pytest.fixture
def ecs_env(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment the daemon's task would have, with the storage at a test database."""
    url = sa.engine.make_url(pg_url)
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "DAGSTER_PG_HOST": url.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_USERNAME": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_DB": url.database or "",
        "FILINGS_ECS_LOG_GROUP": "/ecs/filings-pipeline",
        "FILINGS_ECS_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/filings-exec",
        "FILINGS_ECS_TASK_ROLE_ARN": "arn:aws:iam::123456789012:role/filings-run",
        "FILINGS_ECS_CLUSTER": "filings",
        "FILINGS_PG_PASSWORD_SECRET_ARN": PG_SECRET_ARN,
        "DAGSTER_COMPUTE_LOGS_BUCKET": "filings-dagster-logs",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return pg_url


def load(home: Path) -> DagsterInstance:
    return DagsterInstance.from_config(str(home))


def home_with(tmp_path: Path, text: str) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(text)
    return home


def test_the_ecs_instance_builds_postgres_storage_the_queue_and_the_ecs_launcher(
    ecs_env: str, tmp_path: Path
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ECS_YAML, home / "dagster.yaml")
    with load(home) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert instance.get_runs_count() == 0  # it really talks to the test database
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert isinstance(instance.compute_log_manager, S3ComputeLogManager)

        launcher = instance.run_launcher
        assert isinstance(launcher, EcsRunLauncher)
        assert launcher.task_definition is None  # dict form: nothing looked up in AWS
        td = launcher.task_definition_dict
        assert td["requires_compatibilities"] == ["FARGATE"]
        assert td["log_group"] == "/ecs/filings-pipeline"
        assert td["execution_role_arn"].endswith(":role/filings-exec")
        assert td["task_role_arn"].endswith(":role/filings-run")
        assert td["runtime_platform"] == {
            "operatingSystemFamily": "LINUX",
            "cpuArchitecture": "X86_64",
        }
        assert launcher.container_name == "run"
        assert launcher.run_resources == {"cpu": "1024", "memory": "2048"}
        assert launcher.run_task_kwargs == {"cluster": "filings", "launchType": "FARGATE"}
        assert launcher.secrets == [
            {"name": "DAGSTER_PG_PASSWORD", "valueFrom": PG_SECRET_ARN},
            {"name": "FILINGS_DB_URL", "valueFrom": "/filings_pipeline/db_url"},
        ]
        assert launcher.secrets_tags == []
        assert {"DAGSTER_PG_HOST", "FILINGS_ANALYZER", "EDGAR_IDENTITY"} <= set(launcher.env_vars)
        assert {"key": "project", "value": "filings_pipeline"} in launcher.run_ecs_tags
        assert launcher.ecs.meta.region_name == "us-east-1"


def test_the_ecs_instance_has_the_projects_run_limits(ecs_env: str, tmp_path: Path) -> None:
    """Same tag limits, queue and slot-freeing as the repository's dagster.yaml, parsed by
    Dagster (not just the same text)."""
    ecs = yaml.safe_load(ECS_YAML.read_text())
    local = yaml.safe_load(LOCAL_YAML.read_text())
    assert ecs["concurrency"] == local["concurrency"]
    assert ecs["run_queue"] == local["run_queue"]
    assert {k: ecs["run_monitoring"][k] for k in local["run_monitoring"]} == local["run_monitoring"]
    home = home_with(tmp_path, ECS_YAML.read_text())
    with load(home) as instance:
        config = instance.get_concurrency_config()
        limits = {
            (lim["key"], str(lim.get("value"))): lim["limit"]
            for lim in config.run_queue_config.tag_concurrency_limits
        }
        assert limits[("filings/llm", "bedrock")] == 5
        assert limits[("filings/render", "jinja")] == 3
        assert limits[("dagster/backfill", "{'applyLimitPerUniqueValue': True}")] == 8
        assert limits[("filings/batch", "{'applyLimitPerUniqueValue': True}")] == 8
        assert config.run_queue_config.max_concurrent_runs == 10
        assert config.pool_config.default_pool_limit == 1


@pytest.mark.parametrize(
    ("good", "typo"),
    [
        ("    container_name: run\n", "    container_nme: run\n"),
        (
            "      log_group: {env: FILINGS_ECS_LOG_GROUP}\n",
            "      log_grup: {env: FILINGS_ECS_LOG_GROUP}\n",
        ),
        ("    run_resources:\n", "    run_resource:\n"),
    ],
)
def test_a_mistyped_launcher_key_fails_with_dagsters_config_error(
    ecs_env: str, tmp_path: Path, good: str, typo: str
) -> None:
    text = ECS_YAML.read_text()
    assert text.count(good) == 1
    home = home_with(tmp_path, text.replace(good, typo))
    key = typo.split(":")[0].strip()
    with pytest.raises(DagsterInvalidConfigError, match=key), load(home) as instance:
        instance.run_launcher  # noqa: B018 - building it is the test


def test_without_a_region_the_launcher_cannot_be_built(
    ecs_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the guide says every service needs AWS_REGION / AWS_DEFAULT_REGION."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    home = home_with(tmp_path, ECS_YAML.read_text())
    with pytest.raises(Exception, match="region"), load(home) as instance:
        instance.run_launcher  # noqa: B018
