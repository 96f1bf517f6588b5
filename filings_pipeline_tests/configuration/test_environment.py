"""Configuration in one place: only settings.py reads the environment, and the README's
Configuration table lists exactly what the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "filings_pipeline"
SETTINGS = PACKAGE / "settings.py"
# dev tools and the command line start child processes (dagster dev, servers) with an
# environment of their own: they may hand the environment on, never read settings from it
PASS_ON_ALLOWED = ("cli", "devtools")
SETTINGS_READERS = {"_env", "_list", "_number", "_price", "_flag"}
WRITES = {"update", "pop", "setdefault", "clear", "copy", "items"}


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def environment_uses(source: str) -> list[tuple[int, str, str]]:
    """(line, 'read' | 'pass', what) for every use of the environment in `source`."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    uses = []
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name in ("getenv", "EnvVar") and isinstance(parents.get(node), ast.Call):
            uses.append((node.lineno, "read", name))
        if not _is_environ(node):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute):  # os.environ.<method>
            kind = "pass" if parent.attr in WRITES else "read"
            uses.append((node.lineno, kind, f"environ.{parent.attr}"))
        elif isinstance(parent, ast.Subscript):
            kind = "read" if isinstance(parent.ctx, ast.Load) else "pass"
            uses.append((node.lineno, kind, "environ[...]"))
        elif isinstance(parent, ast.Compare):
            uses.append((node.lineno, "read", "in environ"))
        else:  # {**os.environ}, env=os.environ: handed on whole
            uses.append((node.lineno, "pass", "environ"))
    return sorted(uses)


def settings_variables() -> set[str]:
    """The variable names settings.py reads (first argument of its readers)."""
    tree = ast.parse(SETTINGS.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in SETTINGS_READERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def readme_table_variables() -> set[str]:
    """The names in the first column of the README's Configuration table."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        first = ""
        for token in re.findall(r"`([A-Z0-9_]+)`", cell):
            if token.startswith("_"):  # `DAGSTER_PG_HOST`, `_PORT`: same prefix
                token = first.rsplit("_", 1)[0] + token
            else:
                first = token
            names.add(token)
    return names


def yaml_variables() -> set[str]:
    """Variables the Dagster instance and workspace files read themselves (`env: NAME`)."""
    found: set[str] = set()
    for path in [*REPO.glob("*.yaml"), *(REPO / "deploy").rglob("*.yaml")]:
        found |= set(re.findall(r"\benv:\s*([A-Z0-9_]+)", path.read_text()))
    return found


def test_the_scanner_sees_every_kind_of_read_and_hand_on() -> None:
    uses = environment_uses(
        "import os\nfrom os import environ\nimport dagster as dg\n"
        "a = os.environ.get('A')\nb = os.environ['B']\nc = os.getenv('C')\n"
        "d = dg.EnvVar('D')\ne = 'E' in os.environ\nf = environ.get('F')\n"
        "env = {**os.environ, 'X': '1'}\nos.environ['Y'] = '2'\nos.environ.update(env)\n"
    )
    assert [(line, kind) for line, kind, _ in uses] == [
        (4, "read"),
        (5, "read"),
        (6, "read"),
        (7, "read"),
        (8, "read"),
        (9, "read"),
        (10, "pass"),
        (11, "pass"),
        (12, "pass"),
    ]


def test_only_settings_reads_the_environment() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if path == SETTINGS:
            continue
        for line, kind, what in environment_uses(path.read_text()):
            if kind == "pass" and rel.parts[0] in PASS_ON_ALLOWED:
                continue
            offenders.append(f"filings_pipeline/{rel}:{line}: {what}")
    assert offenders == []


def test_every_variable_read_is_in_the_readme_table_and_every_row_is_read() -> None:
    read = settings_variables()
    assert len(read) > 30  # the scan found settings' readers at all
    table = readme_table_variables()
    assert sorted(read - table) == [], "read in settings.py but missing from the README table"
    assert sorted(table - read - yaml_variables()) == [], "in the README table but never read"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BEDROCK_MAX_TOKENS", "lots", "BEDROCK_MAX_TOKENS='lots' is not a valid int"),
        ("EDGAR_RATE_LIMIT", "fast", "EDGAR_RATE_LIMIT='fast' is not a valid float"),
        ("BEDROCK_PRICE_OUTPUT_PER_MTOK", "-1", "must not be negative"),
    ],
)
def test_a_malformed_variable_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    from filings_pipeline.settings import settings

    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=re.escape(message)):
        settings()
