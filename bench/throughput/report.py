"""The machine the benchmark ran on, results files (JSON + dated copy + markdown) and the table."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

COLUMNS = [
    ("scenario", "scenario"),
    ("filings", "filings"),
    ("days", "days"),
    ("L (s)", "latency_s"),
    ("makespan (s)", "makespan_s"),
    ("bound (s)", "bound_s"),
    ("utilisation", "utilisation"),
    ("peak calls", "peak_inflight_calls"),
    ("peak renders", "peak_renders"),
    ("overlap (s)", "overlap_s"),
    ("tokens", "tokens"),
    ("speed-up", "speedup"),
]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def machine(postgres_version: str) -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "dagster": version("dagster"),
        "postgresql": postgres_version,
        "bytecode_cached": bytecode_cached(),
    }


def bytecode_cached() -> bool:
    """Whether dagster's modules have compiled bytecode next to them. pip compiles it at
    install; a uv venv does not unless asked (`--compile-bytecode`), and with
    PYTHONDONTWRITEBYTECODE set no process writes it, so every run process compiles its
    imports from source (about twice the CPU per run start on the 2-core machine)."""
    import dagster

    return any((Path(dagster.__file__).parent / "__pycache__").glob("__init__.*.pyc"))


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)


def rows(scenarios: dict[str, dict[str, Any]]) -> list[list[str]]:
    return [
        [
            f"({key}) {row['title']}" if name == "scenario" else _cell(row.get(name))
            for _, name in COLUMNS
        ]
        for key, row in scenarios.items()
    ]


def markdown(doc: dict[str, Any]) -> str:
    """The results table as Markdown, with the machine under it."""
    m = doc["machine"]
    cfg = doc.get("configuration") or {}
    setup = (
        "tuned (in-process executor, run queue checked every 1 s, filings/llm run limit "
        f"{cfg.get('llm_run_tag_limit', 8)}; pools and call slots 5)"
        if cfg.get("tuned")
        else "as shipped"
    )
    lines = [
        "| " + " | ".join(h for h, _ in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
        *("| " + " | ".join(r) + " |" for r in rows(doc["scenarios"])),
        "",
        f"Measured {doc['finished_at'][:10]} on {m['cpu']}, {m['cores']} cores, "
        f"{m['ram_gb']} GB RAM, Python {m['python']}, Dagster {m['dagster']}, "
        f"PostgreSQL {m['postgresql']} (`make bench`; bound = N·L/5, utilisation = "
        "bound / makespan, speed-up = filings per second over (c)). "
        f"Deployment: {setup}; launched by {cfg.get('launch', 'an asset backfill')}.",
    ]
    return "\n".join(lines) + "\n"


def print_table(doc: dict[str, Any], console: Console | None = None) -> None:
    table = Table(title="filings_pipeline throughput")
    for header, _ in COLUMNS:
        table.add_column(header, justify="left" if header == "scenario" else "right")
    for r in rows(doc["scenarios"]):
        table.add_row(*r)
    (console or Console(width=180)).print(table)


def write(doc: dict[str, Any], results_dir: Path) -> list[Path]:
    """latest.json, a dated copy, and latest.md."""
    results_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2) + "\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    paths = [results_dir / "latest.json", results_dir / f"{stamp}.json", results_dir / "latest.md"]
    paths[0].write_text(text)
    paths[1].write_text(text)
    paths[2].write_text(markdown(doc))
    return paths


def render_markdown(json_path: Path) -> Path:
    """Rewrite the .md beside a results JSON from it (`python -m bench.throughput.report F`)."""
    doc = json.loads(Path(json_path).read_text())
    target = Path(json_path).with_suffix(".md")
    target.write_text(markdown(doc))
    return target


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        print(render_markdown(Path(arg)))
