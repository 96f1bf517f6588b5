"""Which (asset, day) of a range need a run, and why; read from the Dagster instance.

For each asset of the selection and each day, from the instance's event log:

- missing: never materialized;
- failed: its latest attempt failed (a planned materialization with no materialization after
  it, in a run that ended failed or canceled); in progress: such a run has not ended yet (the
  whole day is skipped, so nothing runs twice);
- stale: the asset upstream of it (the phase before) was materialized since;
- for ``analyses``, other analyses: its latest materialization was made under another prompt
  version or model (its metadata), or the content store holds filings of the day without a
  current analysis under the (prompt_version, model) key the deployment uses now.

Once one asset of a day needs a run, every later asset of the selection runs with it on that day
(they would be stale right after). A day whose assets are all current is skipped, and said so.
No webserver: tests build a real instance and materialize into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from filings_pipeline.analysis.schema import AnalysisKey
from filings_pipeline.phases.catalog import ANALYZE, ASSETS

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from filings_pipeline.store import ContentStore

ENDED_BADLY = {"FAILURE", "CANCELED"}
ACTIVE = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING", "MANAGED"}


@dataclass(frozen=True)
class Decision:
    """One asset on one day: run it or not, and why."""

    asset: str
    day: str
    run: bool
    reason: str


@dataclass
class BackfillPlan:
    """Decisions for every (asset, day) of a selection over a range."""

    assets: list[str]
    days: list[str]
    decisions: dict[tuple[str, str], Decision] = field(default_factory=dict)

    def runs(self) -> list[tuple[str, list[str]]]:
        """(day, assets to run that day, in phase order) for every day with work, by day."""
        out = []
        for day in self.days:
            todo = [a for a in self.assets if self.decisions[(a, day)].run]
            if todo:
                out.append((day, todo))
        return out

    def skipped(self) -> list[Decision]:
        return [d for d in self.decisions.values() if not d.run]

    def to_run(self) -> list[Decision]:
        return [d for d in self.decisions.values() if d.run]

    def days_analysed(self) -> list[str]:
        """Days whose runs include the analyses asset (they may call Bedrock)."""
        return [day for day, assets in self.runs() if ANALYZE.asset in assets]

    def lines(self) -> list[str]:
        """The plan as text: per day, what runs and what is skipped, with reasons."""
        out = []
        for day in self.days:
            run = [self.decisions[(a, day)] for a in self.assets if self.decisions[(a, day)].run]
            skip = [
                self.decisions[(a, day)] for a in self.assets if not self.decisions[(a, day)].run
            ]
            if not run:
                out.append(f"  {day}  skip: {_reasons(skip)}")
                continue
            text = f"  {day}  run {', '.join(d.asset for d in run)} ({_reasons(run)})"
            if skip:
                text += f"; skip {', '.join(d.asset for d in skip)} ({_reasons(skip)})"
            out.append(text)
        return out


def _reasons(decisions: Sequence[Decision]) -> str:
    """Reasons joined, each said once, with the assets it applies to when more than one."""
    by_reason: dict[str, list[str]] = {}
    for d in decisions:
        by_reason.setdefault(d.reason, []).append(d.asset)
    if len(by_reason) == 1:
        return next(iter(by_reason))
    return "; ".join(f"{', '.join(a)}: {r}" for r, a in by_reason.items())


@dataclass
class _AssetState:
    latest: dict[str, int]  # day -> storage id of its latest materialization
    attempts: dict[str, str]  # day -> run id of an attempt after the latest materialization


def _asset_state(instance: DagsterInstance, asset: str, days: Sequence[str]) -> _AssetState:
    from dagster import AssetKey, DagsterEventType

    key = AssetKey(asset)
    latest = dict(
        instance.get_latest_storage_id_by_partition(
            key, DagsterEventType.ASSET_MATERIALIZATION, partitions=set(days)
        )
    )
    storage = instance.event_log_storage
    pending = storage.get_latest_asset_partition_materialization_attempts_without_materializations(
        key
    )
    attempts = {day: run_id for day, (run_id, _) in pending.items() if day in set(days)}
    return _AssetState(latest, attempts)


def _analysis_keys(instance: DagsterInstance, storage_ids: Sequence[int]) -> dict[int, str]:
    """storage id -> "prompt_version/model" recorded on those analyses materializations."""
    from dagster import AssetKey, AssetRecordsFilter

    if not storage_ids:
        return {}
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(ANALYZE.asset), storage_ids=list(storage_ids)),
        limit=len(storage_ids),
    ).records
    out = {}
    for r in records:
        meta = r.asset_materialization.metadata if r.asset_materialization else {}
        pv, model = meta.get("prompt_version"), meta.get("model")
        if pv is not None and model is not None:
            out[r.storage_id] = f"{pv.value}/{model.value}"
    return out


def plan_backfill(
    instance: DagsterInstance,
    assets: Sequence[str],
    days: Sequence[str],
    key: AnalysisKey,
    store: ContentStore | None = None,
    force_all: bool = False,
) -> BackfillPlan:
    """The plan for `assets` (a prefix of the phase table's assets) over `days`."""
    from datetime import date

    assets = [a for a in ASSETS if a in set(assets)]
    plan = BackfillPlan(list(assets), list(days))
    if force_all:
        for day in days:
            for a in assets:
                plan.decisions[(a, day)] = Decision(a, day, True, "--all")
        return plan
    states = {a: _asset_state(instance, a, days) for a in assets}
    run_status = _run_statuses(instance, {r for s in states.values() for r in s.attempts.values()})
    current = f"{key.prompt_version}/{key.model}"
    made_under: dict[int, str] = {}
    unanalysed: dict[date, int] = {}
    if ANALYZE.asset in assets:
        made_under = _analysis_keys(instance, list(states[ANALYZE.asset].latest.values()))
        if store is not None:
            unanalysed = store.unanalysed_by_day([date.fromisoformat(d) for d in days], key)
    for day in days:
        busy = next(
            (
                (a, states[a].attempts[day])
                for a in assets
                if run_status.get(states[a].attempts.get(day, "")) in ACTIVE
            ),
            None,
        )
        if busy:
            for a in assets:
                reason = f"in progress in run {busy[1][:8]} ({busy[0]})"
                plan.decisions[(a, day)] = Decision(a, day, False, reason)
            continue
        cause: str | None = None  # the first asset of the day that runs
        for i, a in enumerate(assets):
            s = states[a]
            if cause:
                reason = f"after {cause}"
            else:
                reason = _why(a, day, s, states[assets[i - 1]] if i else None, run_status)
                if reason is None and a == ANALYZE.asset and day in s.latest:
                    made = made_under.get(s.latest[day])
                    if made is not None and made != current:
                        reason = f"made under {made}, not {current}"
                    elif unanalysed.get(date.fromisoformat(day)):
                        n = unanalysed[date.fromisoformat(day)]
                        reason = f"{n} filing(s) without a current analysis"
            if reason is None:
                plan.decisions[(a, day)] = Decision(a, day, False, "up to date")
                continue
            cause = cause or a
            plan.decisions[(a, day)] = Decision(a, day, True, reason)
    return plan


def _why(
    asset: str,
    day: str,
    state: _AssetState,
    upstream: _AssetState | None,
    run_status: dict[str, str],
) -> str | None:
    run_id = state.attempts.get(day)
    if run_id and run_status.get(run_id) in ENDED_BADLY:
        return f"last attempt {run_status[run_id].lower()} (run {run_id[:8]})"
    if day not in state.latest:
        return "missing"
    if upstream is not None and upstream.latest.get(day, -1) > state.latest[day]:
        return "stale: upstream materialized since"
    return None


def _run_statuses(instance: DagsterInstance, run_ids: set[str]) -> dict[str, str]:
    from dagster import RunsFilter

    if not run_ids:
        return {}
    runs = instance.get_runs(RunsFilter(run_ids=sorted(run_ids)))
    return {r.run_id: r.status.value for r in runs}
