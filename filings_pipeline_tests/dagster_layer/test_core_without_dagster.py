"""The domain core never imports dagster: not at the top of a module, not inside a function,
not through another package (e.g. a core module importing `defs/` or `cli/`)."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import filings_pipeline

PACKAGE = Path(filings_pipeline.__file__).parent
# The Dagster layer and the tools around it; every other package is core, so a new package is
# checked by default.
DAGSTER_SIDE = ("defs", "cli", "devtools")
CORE = tuple(
    sorted(
        p.name
        for p in PACKAGE.iterdir()
        if (p / "__init__.py").is_file() and p.name not in DAGSTER_SIDE
    )
)
TOP_MODULES = tuple(
    sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "definitions"))
)

# Run in a fresh interpreter: any import of dagster or a dagster_* package raises ImportError.
BLOCKED_IMPORT = """
import importlib, importlib.abc, json, sys, traceback

class NoDagster(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "dagster" or name.startswith("dagster_"):
            raise ImportError(f"{name} imported while dagster is blocked")
        return None

sys.meta_path.insert(0, NoDagster())
failed = {}
for module in json.loads(sys.argv[1]):
    try:
        importlib.import_module(module)
    except Exception:
        failed[module] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
"""


def core_modules() -> list[str]:
    names = [f"filings_pipeline.{m}" for m in TOP_MODULES]
    for package in CORE:
        names.append(f"filings_pipeline.{package}")
        path = [str(PACKAGE / package)]
        for info in pkgutil.walk_packages(path, prefix=f"filings_pipeline.{package}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return names


def import_with_dagster_blocked(modules: list[str]) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT, json.dumps(modules)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)


def test_every_core_module_imports_with_dagster_blocked() -> None:
    modules = core_modules()
    files = [f for c in CORE for f in (PACKAGE / c).rglob("*.py") if f.name != "__main__.py"]
    assert len(modules) == len(files) + len(TOP_MODULES) > 40  # the walk found every module
    assert {"edgar", "analysis", "delivery", "store", "phases", "publishing"} <= set(CORE)
    assert {"settings", "atomic_write"} <= set(TOP_MODULES)
    assert import_with_dagster_blocked(modules) == {}


def test_the_block_catches_a_module_that_imports_dagster() -> None:
    failed = import_with_dagster_blocked(
        ["filings_pipeline.defs.jobs", "filings_pipeline.phases.catalog"]
    )
    assert list(failed) == ["filings_pipeline.defs.jobs"]
    assert "dagster imported while dagster is blocked" in failed["filings_pipeline.defs.jobs"]


def dagster_imports(source: str) -> list[int]:
    """Line numbers of every `import dagster...`/`from dagster... import` (also in functions)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        if any(n.split(".")[0] == "dagster" or n.startswith("dagster_") for n in names):
            lines.append(node.lineno)
    return lines


def test_no_core_file_imports_dagster_even_lazily() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in [
            *(p for package in CORE for p in sorted((PACKAGE / package).rglob("*.py"))),
            *(PACKAGE / f"{m}.py" for m in TOP_MODULES),
        ]
        if (lines := dagster_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert dagster_imports("def f():\n    from dagster import asset\n") == [2]
    assert dagster_imports("import dagster_aws.s3\nimport dagsterish\n") == [1]
