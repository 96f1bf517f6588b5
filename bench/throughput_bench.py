"""`make bench`: the throughput benchmark (not a test).

A real `dagster dev` (webserver + daemon + run queue) on PostgreSQL, the local Converse server
at latency L, and four scenarios launched exactly as the CLI's `backfill` launches them (a plan
of what is missing, then one queued run per day under one `filings/batch` tag):
(a) 20 days x 25 filings, (b) 1 day x 200 filings, (c) 4 of (a)'s days with every limit 1,
(d) (a) again once it is done. Writes bench/results/latest.json (+ a dated copy) and latest.md.

    python bench/throughput_bench.py [--latency 2] [--scenarios a,b,c,d] [--quick] [--keep]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import click  # noqa: E402

from bench.throughput import report  # noqa: E402
from bench.throughput.deployment import (  # noqa: E402
    STOCK_MODULE,
    TUNED_LLM_RUNS,
    BenchDeployment,
    Databases,
    remove_tree,
)
from bench.throughput.scenarios import (  # noqa: E402
    START_DATE,
    Scenario,
    add_speedups,
    measure,
    plan,
    run_backfill,
    run_direct,
    scenario_workdir,
)
from filings_pipeline.sample import generate_mirror  # noqa: E402

ORDER = "adbc"  # (d) right after (a), on the deployment (a) left behind


def configuration(tuned: bool) -> dict[str, object]:
    """What the deployment ran with, beyond deploy/dagster.yaml and the project's definitions."""
    return {
        "tuned": tuned,
        "code_location": STOCK_MODULE,
        "llm_run_tag_limit": TUNED_LLM_RUNS if tuned else 5,
        "storage": "PostgreSQL (Dagster instance and content store, fresh databases)",
    }


TWO = (
    "; comparison (--two-stages): each day's ingest + analyses, then its render + publish "
    "queued by the follow-up sensor (the last day in one run)"
)
LAUNCH = {
    "backfill": "as the CLI's backfill: plan on the instance (only what is missing), one "
    "GraphQL launchRun per day onto the queue under filings/batch, tags per run (tags_for)",
    "runs": "GraphQL launchRun, one run of the four assets per day, PIPELINE_TAGS",
}


def _mirror(root: Path, scenario: Scenario) -> Path:
    """One sample mirror per (days, filings per day): (a), (c), (d) share one."""
    path = root / f"mirror-{scenario.per_day}"
    generate_mirror(path, list(scenario.days), filings_per_day=scenario.per_day, bad_filings=False)
    return path


@click.command()
@click.option("--latency", type=float, default=2.0, show_default=True, help="Seconds per call.")
@click.option("--scenarios", "keys", default="a,b,c,d", show_default=True, help="Which to run.")
@click.option("--quick", is_flag=True, help="Scaled-down counts for a smoke run.")
@click.option(
    "--tuned/--stock",
    default=False,
    show_default=True,
    help="Stock: the project as shipped. Tuned (an experiment): filings/llm run limit 8, not 5.",
)
@click.option(
    "--launch",
    type=click.Choice(["backfill", "runs"]),
    default="backfill",
    show_default=True,
    help="backfill: the CLI's way (plan what is missing, one run per day with the tags of its "
    "assets); runs: the older variant, every day all four assets with the pipeline's tags.",
)
@click.option(
    "--two-stages",
    is_flag=True,
    help="Comparison (FILINGS_BATCH_TWO_STAGES): each day's ingest + analyses, then its "
    "render + publish queued by the follow-up sensor, instead of one run per day.",
)
@click.option("--keep", is_flag=True, help="Keep the work folder (logs, call log, site).")
@click.option("--timeout", type=float, default=1800.0, show_default=True, help="Per scenario.")
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    default=REPO_ROOT / "bench" / "results",
    show_default=True,
)
def main(
    latency: float,
    keys: str,
    quick: bool,
    tuned: bool,
    launch: str,
    two_stages: bool,
    keep: bool,
    timeout: float,
    results: Path,
) -> None:
    """Measure makespan, utilisation and peaks of the pipeline under the real daemon."""
    if launch == "runs" and results == REPO_ROOT / "bench" / "results":
        results = results / "launch-runs"  # a variant: keep latest.json for the CLI's path
    if two_stages and results == REPO_ROOT / "bench" / "results":
        results = results / "two-stages"  # a variant, like --launch runs
    if quick:
        results = results / "quick"  # never overwrite the full run's files with a smoke run
    wanted = [k.strip() for k in keys.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in ORDER]
    if unknown:
        raise click.BadParameter(f"unknown scenario(s) {unknown}; choose from a,b,c,d")
    wanted = sorted(wanted, key=ORDER.index)
    if "d" in wanted and "a" not in wanted:
        raise click.BadParameter("(d) re-runs (a): select a as well")
    scenarios = plan(quick, tuned)
    work = Path(tempfile.mkdtemp(prefix="filings-bench-"))
    databases = Databases()
    keep_for_rerun: dict[str, BenchDeployment] = {}
    out: dict[str, dict] = {}
    click.echo(f"work folder {work}; latency {latency}s; scenarios {','.join(wanted)}")
    if not report.bytecode_cached():
        click.echo(
            "warning: no compiled bytecode for dagster in this environment: every run process "
            "compiles its imports (python -m compileall -q .venv/lib; pip does it at install)"
        )
    started = datetime.now(UTC)
    try:
        pg_version = databases.server_version()
        for key in wanted:
            sc = scenarios[key]
            click.echo(f"({key}) {sc.title}: {sc.filings} filings on {len(sc.days)} days")
            if sc.rerun_of:
                dep = keep_for_rerun.pop(sc.rerun_of)
            else:
                mirror = _mirror(work, sc)
                dep = BenchDeployment(
                    scenario_workdir(work, key),
                    latency_s=latency,
                    limits=sc.limits,
                    start_date=START_DATE,
                    mirror_dir=mirror,
                    databases=databases,
                    tuned=tuned,
                ).start()
                time.sleep(5)  # let the daemon's first ticks settle before the clock starts
            try:
                if launch == "backfill":
                    outcome = run_backfill(dep, sc, timeout, echo=click.echo, split=two_stages)
                else:
                    outcome = run_direct(dep, sc, timeout, echo=click.echo)
                out[key] = measure(dep, sc, outcome, latency)
                r = out[key]
                click.echo(
                    f"({key}) {outcome.status}: makespan {r['makespan_s']}s, "
                    f"bound {r['bound_s']}s, peak calls {r['peak_inflight_calls']}, "
                    f"published {r['published']}"
                )
            except BaseException:
                dep.stop()
                raise
            if key == "a" and "d" in wanted:
                keep_for_rerun["a"] = dep
            else:
                dep.stop()
    finally:
        for dep in keep_for_rerun.values():
            dep.stop()
        databases.close()
        if not keep:
            remove_tree(work)
    add_speedups(out)
    doc = {
        "machine": report.machine(pg_version),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "quick": quick,
        "configuration": {
            **configuration(tuned),
            "launch": LAUNCH[launch] + (TWO if two_stages and launch == "backfill" else ""),
        },
        "scenarios": {k: out[k] for k in "abcd" if k in out},
    }
    report.print_table(doc)
    for path in report.write(doc, results):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
