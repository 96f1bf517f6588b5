"""Measurements from the two records a scenario leaves: the Converse server's call log and
Dagster's event log (PostgreSQL `event_logs`)."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from filings_pipeline.devtools.converse_server import peak_in_flight

Interval = tuple[float, float]

RUN_EVENTS = {
    "PIPELINE_ENQUEUED": "enqueued",
    "PIPELINE_STARTING": "starting",
    "PIPELINE_START": "started",
    "PIPELINE_SUCCESS": "ended",
    "PIPELINE_FAILURE": "ended",
    "PIPELINE_CANCELED": "ended",
}
STEP_EVENTS = ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE")


@dataclass
class StepSpan:
    run_id: str
    step: str
    start: float
    end: float | None
    ok: bool


@dataclass
class RunSpan:
    run_id: str
    times: dict[str, float] = field(default_factory=dict)
    follows: str | None = None  # a follow-up run: the run it follows (filings/follows)
    day: str = ""
    stage: str = ""  # "analyse" (ingest + analyses), "render" (its follow-up) or "whole"


@dataclass
class EventLog:
    """The step and run timelines of one scenario (events at or after `since`)."""

    steps: list[StepSpan]
    runs: list[RunSpan]

    @property
    def runs_by_id(self) -> dict[str, RunSpan]:
        return {r.run_id: r for r in self.runs}

    def spans(self, step: str) -> list[Interval]:
        return [(s.start, s.end) for s in self.steps if s.step == step and s.end is not None]


def read_event_log(dagster_db_url: str, since: float) -> EventLog:
    """Step spans and run milestones from the Dagster instance's event log."""
    engine = sa.create_engine(dagster_db_url)
    types = list(RUN_EVENTS) + list(STEP_EVENTS)
    query = sa.text(
        "SELECT run_id, step_key, dagster_event_type, event FROM event_logs "
        "WHERE dagster_event_type IN :types ORDER BY id"
    ).bindparams(sa.bindparam("types", expanding=True))
    tags_q = sa.text("SELECT run_id, key, value FROM run_tags WHERE key IN :keys").bindparams(
        sa.bindparam("keys", expanding=True)
    )
    keys = ["filings/follows", "filings/then", "dagster/partition"]
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query, {"types": types}).all()
            for run_id, key, value in conn.execute(tags_q, {"keys": keys}).all():
                tags[run_id][key] = value
    finally:
        engine.dispose()
    open_steps: dict[tuple[str, str], StepSpan] = {}
    steps: list[StepSpan] = []
    runs: dict[str, RunSpan] = {}
    for run_id, step_key, kind, raw in rows:
        ts = float(json.loads(raw)["timestamp"])
        if ts < since:
            continue
        if kind in RUN_EVENTS:
            runs.setdefault(run_id, RunSpan(run_id)).times.setdefault(RUN_EVENTS[kind], ts)
        elif kind == "STEP_START":
            span = StepSpan(run_id, step_key, ts, None, False)
            open_steps[(run_id, step_key)] = span
            steps.append(span)
        elif (run_id, step_key) in open_steps:
            span = open_steps.pop((run_id, step_key))
            span.end, span.ok = ts, kind == "STEP_SUCCESS"
    for run in runs.values():
        t = tags.get(run.run_id, {})
        run.follows = t.get("filings/follows")
        run.day = t.get("dagster/partition", "")
        run.stage = "render" if run.follows else ("analyse" if "filings/then" in t else "whole")
    return EventLog(steps, list(runs.values()))


def union(intervals: list[Interval]) -> list[Interval]:
    """Merge overlapping intervals."""
    merged: list[list[float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def overlap_seconds(xs: list[Interval], ys: list[Interval]) -> float:
    """Length of time covered by both an interval of `xs` and one of `ys`."""
    total = 0.0
    ux, uy = union(xs), union(ys)
    i = j = 0
    while i < len(ux) and j < len(uy):
        lo, hi = max(ux[i][0], uy[j][0]), min(ux[i][1], uy[j][1])
        total += max(0.0, hi - lo)
        if ux[i][1] < uy[j][1]:
            i += 1
        else:
            j += 1
    return total


def peak_overlap(intervals: list[Interval]) -> int:
    """Most intervals open at once."""
    return peak_in_flight([{"start": a, "end": b} for a, b in intervals])


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _gap(run: RunSpan, a: str, b: str) -> float | None:
    if a in run.times and b in run.times:
        return run.times[b] - run.times[a]
    return None


def profile(log: EventLog, calls: list[dict[str, Any]], t0: float, end: float) -> dict[str, Any]:
    """Where the time went: queue, launch and step start-up, head and tail around the calls."""
    first_enqueued = min(
        (r.times["enqueued"] for r in log.runs if "enqueued" in r.times), default=None
    )
    steps_by_run: dict[str, list[StepSpan]] = defaultdict(list)
    for s in log.steps:
        steps_by_run[s.run_id].append(s)
    step_startup = [
        min(s.start for s in steps_by_run[r.run_id]) - r.times["started"]
        for r in log.runs
        if "started" in r.times and steps_by_run[r.run_id]
    ]
    durations: dict[str, list[float]] = defaultdict(list)
    for s in log.steps:
        if s.end is not None:
            durations[s.step].append(s.end - s.start)
    first_call = min((c["start"] for c in calls), default=None)
    last_call = max((c["end"] for c in calls), default=None)
    call_spans = [(c["start"], c["end"]) for c in calls]
    busy = sum(b - a for a, b in union(call_spans))
    by_depth = in_flight_seconds(call_spans)
    by_id = log.runs_by_id
    follow_ups = [
        r.times["enqueued"] - by_id[r.follows].times["ended"]
        for r in log.runs
        if r.follows in by_id and "enqueued" in r.times and "ended" in by_id[r.follows].times
    ]
    return {
        "runs": len(log.runs),
        "launch_to_first_enqueued_s": round(first_enqueued - t0, 2) if first_enqueued else None,
        "launch_to_first_call_s": round(first_call - t0, 2) if first_call else None,
        "last_call_to_end_s": round(end - last_call, 2) if last_call else None,
        "calls_any_in_flight_s": round(busy, 2),
        # between the first call and the last: seconds with 5 (the cap) calls in flight
        "calls_5_in_flight_s": round(sum(v for k, v in by_depth.items() if k >= 5), 2),
        "calls_first_to_last_s": round(last_call - first_call, 2) if calls else None,
        # a day's render + publish run queued this long after its ingest + analyses run ended
        "median_follow_up_s": _median(follow_ups),
        "max_follow_up_s": round(max(follow_ups), 2) if follow_ups else None,
        "median_queued_s": _median(
            [g for r in log.runs if (g := _gap(r, "enqueued", "starting")) is not None]
        ),
        "median_process_launch_s": _median(
            [g for r in log.runs if (g := _gap(r, "starting", "started")) is not None]
        ),
        "median_run_to_first_step_s": _median(step_startup),
        "median_step_s": {k: _median(v) for k, v in sorted(durations.items())},
    }


def in_flight_seconds(spans: list[Interval]) -> dict[int, float]:
    """Seconds spent with k calls in flight, for each k (a sweep over starts and ends)."""
    edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    out: dict[int, float] = defaultdict(float)
    depth, prev = 0, None
    for t, step in edges:
        if prev is not None and depth > 0:
            out[depth] += t - prev
        depth += step
        prev = t
    return dict(out)


def run_timeline(log: EventLog, t0: float) -> list[dict[str, Any]]:
    """Each run's day, stage and milestones (seconds from the command), by enqueue time."""
    out = [
        {"day": r.day, "stage": r.stage, **{k: round(v - t0, 1) for k, v in r.times.items()}}
        for r in log.runs
    ]
    return sorted(out, key=lambda r: r.get("enqueued", 1e9))


def call_stats(calls: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(calls, tokens, non-200 answers)."""
    tokens = sum(int(c.get("input_tokens", 0)) + int(c.get("output_tokens", 0)) for c in calls)
    errors = sum(1 for c in calls if c.get("status") != 200)
    return len(calls), tokens, errors
