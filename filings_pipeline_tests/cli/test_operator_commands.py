"""`backfill` and `status` without a daemon: argument checks, clear errors, an empty instance."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from filings_pipeline.cli import main
from filings_pipeline.cli.backfill import plan
from filings_pipeline.devtools.deployment import postgres_storage, write_instance_yaml


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


RENDERING_TAGS = {"filings/llm": "bedrock", "filings/render": "jinja"}


def test_modes_choose_assets_and_tags() -> None:
    assert plan(False, False) == (
        ["filings", "analyses", "rendered_articles"],
        {"filings/phase": "ingest+analyze+render", **RENDERING_TAGS},
    )
    # the default publishes, as the publish automation does (the publish mode decides)
    assert plan(False) == plan(False, None) == plan(False, True)
    assert plan(True, False) == (
        ["filings", "analyses"],
        {"filings/phase": "ingest+analyze", "filings/llm": "bedrock"},
    )
    assets, tags = plan(False, True)
    assert assets == ["filings", "analyses", "rendered_articles", "published_articles"]
    assert tags == {"filings/phase": "ingest+analyze+render+publish", **RENDERING_TAGS}


def test_default_titles_are_ones_dagster_accepts() -> None:
    from dagster._core.definitions.utils import is_valid_title

    from filings_pipeline.cli.backfill import default_title

    for analyze_only, publish in ((False, None), (False, False), (True, None)):
        assets, _ = plan(analyze_only, publish)
        title = default_title(["2026-10-31", "2026-11-03"], assets)
        assert is_valid_title(title), title  # the four-phase title was 102 characters


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-11-10", "--end", "2026-11-09"], "--end is before --start"),
        (["--start", "2026-11-10", "--analyze-only", "--publish"], "exclude each other"),
        (["--start", "10/11/2026"], "does not match the format"),
        ([], "Missing option '--start'"),
    ],
)
def test_backfill_rejects_bad_arguments(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["backfill", *args])
    assert result.exit_code == 2
    assert message in result.output


def _instance_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    write_instance_yaml(home, "sqlite")
    return {
        "DAGSTER_HOME": str(home),
        "FILINGS_DB_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "FILINGS_ANALYZER": "offline",
    }


def test_backfill_without_a_webserver_says_how_to_start_one(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(
        main, ["backfill", "--start", "2026-11-10", "--url", url], env=_instance_env(tmp_path)
    )
    assert result.exit_code == 1
    assert f"no Dagster webserver at {url}" in result.output and "make dev" in result.output
    assert "2026-11-10  run filings, analyses" in result.output  # the plan came first


def test_backfill_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(
        main,
        ["backfill", "--start", "2026-11-10", "-q"],
        env={**_instance_env(tmp_path), "FILINGS_DAGSTER_URL": url},
    )
    assert result.exit_code == 1 and url in result.output


def test_backfill_without_an_instance_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["backfill", "--start", "2026-11-10"], env={"DAGSTER_HOME": str(tmp_path / "no")}
    )
    assert result.exit_code == 1 and "no Dagster instance at" in result.output


def test_status_without_an_instance(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status"], env={"DAGSTER_HOME": str(tmp_path / "none")})
    assert result.exit_code == 1
    assert "no Dagster instance at" in result.output


def test_status_on_an_instance_with_no_backfills(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_instance_yaml(home, "sqlite")
    env = {"DAGSTER_HOME": str(home), "FILINGS_DB_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    runner = CliRunner()
    latest = runner.invoke(main, ["status"], env=env)
    assert latest.exit_code == 1 and "no backfills on this instance yet" in latest.output
    missing = runner.invoke(main, ["status", "--backfill", "nosuchid"], env=env)
    assert missing.exit_code == 1 and "no backfill or batch 'nosuchid'" in missing.output


def test_instance_yaml_for_postgres_keeps_the_concurrency_block(tmp_path: Path) -> None:
    import yaml

    url = "postgresql+psycopg2://editor:s3cret@db.internal:6543/dagster"
    path = write_instance_yaml(tmp_path, "postgres", url)
    config = yaml.safe_load(path.read_text())
    db = config["storage"]["postgres"]["postgres_db"]
    assert (db["hostname"], db["port"], db["username"], db["password"], db["db_name"]) == (
        "db.internal",
        6543,
        "editor",
        "s3cret",
        "dagster",
    )
    assert db["scheme"] == "postgresql+psycopg2"
    limits = {t["key"]: t["limit"] for t in config["concurrency"]["runs"]["tag_concurrency_limits"]}
    assert limits["filings/llm"] == 5 and limits["filings/render"] == 3
    with pytest.raises(ValueError, match="not a PostgreSQL"):
        postgres_storage("sqlite:///x.db")
    with pytest.raises(ValueError, match="storage must be"):
        write_instance_yaml(tmp_path, "mysql")
