"""Freshness of the live desk (issue 12): seconds from a filing's first appearance in the
latest-filings feed to its article page on the site.

The real daemon and run queue (`dagster dev` on a throwaway SQLite instance, the packaged
dagster.yaml: tag limits, pools, threaded dequeue), the live sensor on, the local EDGAR-like
server releasing today's FILINGS filings at random times over SPAN seconds (each appears in the
feed the moment it is released), the Bedrock path on the local Converse server at a fixed
latency. For each filing: its release (first appearance in the feed), then the run that put its
page on the site, cut into sensor wait (release -> run created), queue (-> dequeued), run start
(-> the ingest step starts: process start, code load, resources), ingest, analysis, render and
publish (-> the page file exists in the site folder). Every filing must be published exactly
once; the peak of Bedrock calls in flight is counted at the Converse server.

    .venv/bin/python bench/freshness_bench.py
    .venv/bin/python bench/freshness_bench.py --filings 10 --span 60

Writes bench/results/freshness.json (machine, load average, settings, every figure) and prints
the README table. Needs EDGAR hours (6 a.m.-10 p.m. ET; outside them the sensor polls every
15 min) and a business day (the sample has no weekend filings).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "freshness.json"
IDENTITY = "Filings Pipeline Bench bench@example.com"
SEGMENTS = ("sensor_wait", "queue", "run_start", "ingest", "analysis", "render", "publish")
TARGETS = {"p50_s": 45.0, "p95_s": 90.0, "max_s": 150.0, "peak_bedrock_calls": 5}
STEP_OF = {"ingest": "filings", "analysis": "analyses", "render": "rendered_articles",
           "publish": "published_articles"}  # fmt: skip


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank), 0 < q <= 1."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))]


def run_timeline(instance: Any, run_id: str) -> dict[str, float]:
    """Wall-clock points of one run: created, dequeued, started, each step's start and end."""
    import dagster as dg

    record = instance.get_run_records(dg.RunsFilter(run_ids=[run_id]), limit=1)[0]
    points = {"created": record.create_timestamp.timestamp()}
    for entry in instance.all_logs(run_id):
        ev = entry.dagster_event
        if ev is None:
            continue
        name = ev.event_type_value
        if name == "PIPELINE_DEQUEUED":
            points["dequeued"] = entry.timestamp
        elif name == "PIPELINE_STARTING":
            points.setdefault("dequeued", entry.timestamp)
        elif name == "PIPELINE_START":
            points["started"] = entry.timestamp
        elif name == "STEP_START" and ev.step_key:
            points[f"{ev.step_key}:start"] = entry.timestamp
        elif name in ("STEP_SUCCESS", "STEP_FAILURE") and ev.step_key:
            points[f"{ev.step_key}:end"] = entry.timestamp
    return points


def breakdown(released: float, page: float, t: dict[str, float]) -> dict[str, float]:
    """The segments of [released, page], each clipped to that interval (they add up to it)."""
    bounds = [
        ("sensor_wait", released, t["created"]),
        ("queue", t["created"], t.get("dequeued", t["created"])),
        ("run_start", t.get("dequeued", t["created"]), t.get("filings:start", page)),
        ("ingest", t.get("filings:start", page), t.get("filings:end", page)),
        ("analysis", t.get("filings:end", page), t.get("analyses:end", page)),
        ("render", t.get("analyses:end", page), t.get("rendered_articles:end", page)),
        ("publish", t.get("rendered_articles:end", page), page),
    ]
    out = {}
    for name, a, b in bounds:
        lo, hi = max(a, released), min(b, page)
        out[name] = round(max(0.0, hi - lo), 2)
    return out


def publishing_run(timelines: dict[str, dict[str, float]], page: float) -> str | None:
    """The run whose publish step wrote the page: the earliest whose publish step ended at or
    after the page appeared and started before it."""
    best = None
    for run_id, t in timelines.items():
        start, end = t.get("published_articles:start"), t.get("published_articles:end")
        if start is None or end is None or start > page + 0.5 or end < page - 0.5:
            continue
        if best is None or end < timelines[best]["published_articles:end"]:
            best = run_id
    return best


def bench(args: argparse.Namespace) -> dict[str, Any]:
    import dagster as dg

    from filings_pipeline.devtools.converse_server import peak_in_flight, read_call_log
    from filings_pipeline.devtools.deployment import LocalDeployment, live_desk_env
    from filings_pipeline.devtools.live_feed import random_offsets
    from filings_pipeline.devtools.mirror_server import MirrorServer
    from filings_pipeline.edgar.feed import eastern_today
    from filings_pipeline.sample import generate_mirror, is_business_day
    from filings_pipeline.store import ContentStore

    today = eastern_today()
    if not is_business_day(today):
        raise SystemExit(f"{today} is not a business day: the sample has no filings for it")
    root = Path(tempfile.mkdtemp(prefix="filings-freshness-"))
    manifest = generate_mirror(
        root / "sample-edgar", [today], filings_per_day=args.filings, bad_filings=False
    )
    accessions = [f.accession for f in manifest.filings]
    load_before = load()
    with MirrorServer(root / "sample-edgar") as server:
        server.withhold_index(today.isoformat())  # the day's index comes at night
        server.release({a: 1e9 for a in accessions})  # nothing out before the clock starts
        env = live_desk_env(server.archives_url, server.data_url, today, IDENTITY, args.interval)
        dep = LocalDeployment(
            root, converse_latency_s=args.latency, lookback_days=2, env=env,
            new_filings_sensor=False,
        )  # fmt: skip
        with dep:
            store = ContentStore(dep.content_db_url)
            t0 = time.time() + 5.0
            released = server.release(random_offsets(accessions, args.span, args.seed), t0)
            pages: dict[str, float] = {}  # accession -> when its page file appeared
            mtimes: dict[str, float] = {}
            slugs: dict[str, Path] = {}
            deadline = t0 + args.span + args.timeout
            while len(pages) < len(accessions) and time.time() < deadline:
                if len(slugs) < len(accessions):  # rendered articles name their page
                    for stored in store.articles_for_day(today):
                        art = stored.article
                        slugs.setdefault(
                            art.accession, dep.site_dir / "articles" / f"{art.slug}.html"
                        )
                for acc, page in slugs.items():
                    if acc not in pages and page.exists():
                        pages[acc] = time.time()
                        mtimes[acc] = page.stat().st_mtime
                time.sleep(0.2)
            instance = dep.instance()
            settle = time.time() + 300
            while time.time() < settle:  # runs still going (a late duplicate would show)
                runs = instance.get_runs(
                    dg.RunsFilter(tags={"dagster/partition": today.isoformat()})
                )
                if all(r.is_finished for r in runs):
                    break
                time.sleep(1)
            runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": today.isoformat()}))
            statuses = Counter(r.status.value for r in runs)
            timelines = {r.run_id: run_timeline(instance, r.run_id) for r in runs}
            pubs = store.publications_for_day(today)
            calls = read_call_log(dep.call_log)
            rewritten = [a for a, m in mtimes.items() if slugs[a].stat().st_mtime != m]
    load_after = load()

    per_filing = []
    for acc in accessions:
        rel = released[acc]
        page = pages.get(acc)
        row: dict[str, Any] = {"accession": acc, "released_s": round(rel - t0, 2)}
        if page is None:
            row["latency_s"] = None
            per_filing.append(row)
            continue
        row["latency_s"] = round(page - rel, 2)
        run_id = publishing_run(timelines, page)
        row["run"] = run_id
        if run_id:
            row["breakdown"] = breakdown(rel, page, timelines[run_id])
        per_filing.append(row)
    lat = [r["latency_s"] for r in per_filing if r["latency_s"] is not None]
    decisions = Counter(p.accession for p in pubs if p.status == "published")
    calls_per_acc = Counter(c.get("accession") for c in calls if c.get("kind") == "ok")
    parts = {s: [r["breakdown"][s] for r in per_filing if "breakdown" in r] for s in SEGMENTS}
    summary = {
        "filings": len(accessions),
        "published": len(lat),
        "published_exactly_once": len(decisions) == len(accessions)
        and set(decisions.values()) == {1}
        and not rewritten,
        "pages_rewritten": len(rewritten),
        "p50_s": round(statistics.median(lat), 1) if lat else None,
        "p95_s": round(pct(lat, 0.95), 1) if lat else None,
        "max_s": round(max(lat), 1) if lat else None,
        "peak_bedrock_calls": peak_in_flight(calls),
        "bedrock_calls": len(calls),
        "accessions_called_more_than_once": sum(1 for n in calls_per_acc.values() if n > 1),
        "runs": dict(statuses),
        "breakdown_mean_s": {
            s: round(statistics.mean(v), 1) if v else None for s, v in parts.items()
        },  # fmt: skip
        "breakdown_p50_s": {
            s: round(statistics.median(v), 1) if v else None for s, v in parts.items()
        },  # fmt: skip
        "breakdown_max_s": {s: round(max(v), 1) if v else None for s, v in parts.items()},
    }
    met = {
        "p50": summary["p50_s"] is not None and summary["p50_s"] <= TARGETS["p50_s"],
        "p95": summary["p95_s"] is not None and summary["p95_s"] <= TARGETS["p95_s"],
        "max": summary["max_s"] is not None and summary["max_s"] <= TARGETS["max_s"],
        "published_exactly_once": summary["published_exactly_once"],
        "peak_bedrock_calls": summary["peak_bedrock_calls"] <= TARGETS["peak_bedrock_calls"],
    }
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },  # fmt: skip
        "load_before": load_before,
        "load_after": load_after,
        "settings": {
            "filings": args.filings,
            "span_s": args.span,
            "seed": args.seed,
            "converse_latency_s": args.latency,
            "live_interval_s": args.interval,
            "storage": "sqlite",
            "day": today.isoformat(),
        },
        "targets": TARGETS,
        "summary": summary,
        "targets_met": met,
        "per_filing": per_filing,
    }


def table(result: dict[str, Any]) -> str:
    s = result["summary"]
    lines = [
        "| filings | p50 | p95 | max | published once | peak Bedrock calls | runs | load |",
        "|---:|---:|---:|---:|---|---:|---|---|",
        f"| {s['filings']} | {s['p50_s']} s | {s['p95_s']} s | {s['max_s']} s | "
        f"{'yes' if s['published_exactly_once'] else 'NO'} ({s['published']}) | "
        f"{s['peak_bedrock_calls']} | {s['runs']} | "
        f"{result['load_before']} -> {result['load_after']} |",
        "",
        "| segment | " + " | ".join(SEGMENTS) + " |",
        "|---|" + "---:|" * len(SEGMENTS),
    ]
    for label, key in (("p50", "breakdown_p50_s"), ("mean", "breakdown_mean_s"),
                       ("max", "breakdown_max_s")):  # fmt: skip
        lines.append(f"| {label} | " + " | ".join(f"{s[key][x]} s" for x in SEGMENTS) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--filings", type=int, default=60)
    p.add_argument("--span", type=float, default=600.0, help="release window, seconds")
    p.add_argument("--latency", type=float, default=2.0, help="Converse latency L, seconds")
    p.add_argument("--interval", type=int, default=30, help="FILINGS_LIVE_INTERVAL_SECONDS")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--timeout", type=float, default=600.0, help="after the window, seconds")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    result = bench(args)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(json.dumps(result["targets_met"]))
    print(f"written to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
