"""A backfill's progress per phase: the one model `run`'s bars and `status` both draw.

The counts are Dagster's own, as its backfill daemon records them (the same numbers as the UI's
backfill page and GraphQL's ``assetBackfillStatuses``), read either through the webserver
(:func:`filings_pipeline.cli.graphql.backfill_state`) or from the instance
(:class:`filings_pipeline.cli.status.StatusReader`). For each phase (asset) of a backfill:

- done: the backfill's partitions of it that are materialized;
- running: requested (a run was launched: in the run queue or executing), not yet through;
- failed: failed, or downstream of a failed partition;
- queued: not requested yet.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from filings_pipeline.phases.catalog import phase_of

ENDED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
SUCCEEDED = {"COMPLETED", "COMPLETED_SUCCESS"}


@dataclass
class PhaseProgress:
    """One phase (asset) of a backfill: partitions by state, and filings handled so far."""

    asset: str
    targeted: int = 0
    done: int = 0
    running: int = 0
    queued: int = 0
    failed: int = 0
    filings: int = 0  # filings this phase handled on its done days (from the content store)
    done_days: list[str] = field(default_factory=list)

    @classmethod
    def from_counts(
        cls, asset: str, targeted: int, materialized: int, in_progress: int, failed: int
    ) -> PhaseProgress:
        """From Dagster's counts; what is neither done, failed nor requested is queued."""
        queued = max(0, targeted - materialized - in_progress - failed)
        return cls(asset, targeted, materialized, in_progress, queued, failed)

    @property
    def label(self) -> str:
        """``2 analyse``: the phase's number and label from the phase table."""
        phase = phase_of(self.asset)
        return f"{phase.number} {phase.label}" if phase else self.asset


@dataclass
class BackfillProgress:
    """A backfill's status, per-phase progress, throughput and estimated time left."""

    backfill_id: str
    status: str
    title: str
    started: float
    ended: float | None
    now: float
    phases: list[PhaseProgress]
    runs: dict[str, int] = field(default_factory=dict)  # run status -> count
    pending_review: int = 0  # articles of the backfill's days waiting for an editor
    budget: dict[str, Any] | None = None  # a batch's shared budget: limit, spent, refused calls

    @property
    def done(self) -> bool:
        return self.status in ENDED

    @property
    def elapsed_s(self) -> float:
        return max(0.0, (self.ended or self.now) - self.started)

    @property
    def throughput_per_min(self) -> float:
        """Filings through the backfill's last phase per minute so far."""
        last = self.phases[-1] if self.phases else None
        minutes = self.elapsed_s / 60
        return last.filings / minutes if last and minutes > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far (by the last phase's days); None when unknown."""
        if self.done:
            return 0.0
        last = self.phases[-1] if self.phases else None
        if not last or last.done == 0:
            return None
        remaining = last.targeted - last.done - last.failed
        return self.elapsed_s * remaining / last.done

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            elapsed_s=round(self.elapsed_s, 1),
            throughput_per_min=round(self.throughput_per_min, 2),
            eta_s=None if self.eta_s is None else round(self.eta_s, 1),
        )
        for p in out["phases"]:
            p.pop("done_days")
        return out


def in_phase_order(phases: list[PhaseProgress]) -> list[PhaseProgress]:
    """Phases in the phase table's order (assets not in the table last, by name)."""
    return sorted(
        phases, key=lambda p: (phase_of(p.asset).number if phase_of(p.asset) else 99, p.asset)
    )
