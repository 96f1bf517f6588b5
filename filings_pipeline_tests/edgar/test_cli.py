"""`index` and `inspect` operator commands against the local server (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from filings_pipeline.cli.edgar_commands import index_command, inspect_command
from filings_pipeline_tests.edgar.conftest import IDENTITY


@pytest.fixture
def env(server, fixtures_dir: Path, tmp_path: Path) -> dict[str, str]:
    # The fixture day is a form index; serve it at the master path the source reads.
    idx = (fixtures_dir / "index/form.20200318.idx").read_bytes()
    server.put("/Archives/edgar/daily-index/2020/QTR1/master.20200318.idx", idx)
    return {
        "FILINGS_SOURCE": "edgar",
        "FILINGS_DATA_DIR": str(tmp_path / "data"),
        "EDGAR_IDENTITY": IDENTITY,
        "EDGAR_ARCHIVES_URL": server.archives_url,
        "EDGAR_DATA_URL": server.base_url,
        "EDGAR_RATE_LIMIT": "10",
        "EDGAR_FORMS": "",
        "EDGAR_WATCHLIST": "",
    }


def _expected_accessions(path: Path, form: str) -> set[str]:
    """Independent of the parser: fixed-width rows whose form column is exactly `form`."""
    lines = path.read_text(encoding="latin-1").splitlines()
    return {ln.split()[-1][-24:-4] for ln in lines if ln[:12].strip() == form and ".txt" in ln}


def test_index_json(env, fixtures_dir: Path) -> None:
    result = CliRunner().invoke(index_command, ["2020-03-18", "--forms", "8-K", "--json"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["published"] and out["forms"] == ["8-K"]
    got = {f["accession"] for f in out["filings"]}
    assert got == _expected_accessions(fixtures_dir / "index/form.20200318.idx", "8-K")
    assert len(got) == len(out["filings"])


def test_index_table_and_unpublished_day(env) -> None:
    result = CliRunner().invoke(index_command, ["2020-03-18", "--forms", "8-K/A"], env=env)
    assert result.exit_code == 0, result.output
    assert "8-K/A" in result.output and "accession" in result.output
    result = CliRunner().invoke(index_command, ["2020-03-21"], env=env)
    assert result.exit_code == 0 and "403 AccessDenied" in result.output
    result = CliRunner().invoke(index_command, ["yesterday"], env=env)
    assert result.exit_code != 0 and "not a date" in result.output


def test_inspect_json_and_agent_prefix(env) -> None:
    result = CliRunner().invoke(inspect_command, ["0000796343-23-000044", "--json"], env=env)
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert (info["company"], info["cik"], info["form"]) == ("ADOBE INC.", 796343, "8-K")
    assert [i["code"] for i in info["items"]] == ["2.02", "9.01"]
    assert info["sections"]["2.02"]["first_words"].startswith("Item 2.02")
    assert info["exhibits"][0]["type"] == "EX-99.1" and info["exhibits"][0]["text_length"] > 5000
    assert info["accepted_at"] == "2023-03-15T16:06:36"
    result = CliRunner().invoke(inspect_command, ["0001193125-23-048785"], env=env)
    assert result.exit_code != 0 and "--cik" in result.output
    result = CliRunner().invoke(
        inspect_command, ["0001193125-23-048785", "--cik", "1364742"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "BlackRock" in result.output and "5.02" in result.output


def test_commands_refuse_live_mode_without_identity(env) -> None:
    env = {**env, "EDGAR_IDENTITY": ""}
    result = CliRunner().invoke(index_command, ["2020-03-18"], env=env)
    assert result.exit_code != 0 and "EDGAR_IDENTITY" in result.output
