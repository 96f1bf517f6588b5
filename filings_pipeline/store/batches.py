"""The USD budget one CLI launch (a batch of runs) shares, and whether it was canceled, in
the content store.

Every analysis step of every run tagged ``filings/batch=<id>`` books against the same row, so
the budget holds across run processes and machines: ``reserve`` books a call's worst-case cost
before the call starts, in one conditional UPDATE (refused when spent + reserved + estimate
would pass the limit, atomic in SQLite and PostgreSQL alike); ``settle`` swaps the booking for
the real cost. It has the interface of :class:`filings_pipeline.analysis.bedrock.RunBudget`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from filings_pipeline.store import tables as t

EPS = 1e-9  # sums of float dollars drift; a call that fits to the nano-dollar fits


@dataclass(frozen=True)
class BudgetState:
    """One batch budget as stored."""

    batch_id: str
    limit_usd: float
    spent_usd: float
    reserved_usd: float
    refused: int

    @property
    def exhausted(self) -> bool:
        """True once a call was refused for want of budget."""
        return self.refused > 0


class BatchBudgets:
    """Create and read batch budgets."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def create(self, batch_id: str, limit_usd: float) -> SharedBudget:
        """A new budget of `limit_usd` for the batch (ValueError if negative or already set)."""
        if limit_usd < 0:
            raise ValueError("budget limit must not be negative")
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(t.batch_budgets),
                [
                    {
                        "batch_id": batch_id,
                        "limit_usd": float(limit_usd),
                        "spent_usd": 0.0,
                        "reserved_usd": 0.0,
                        "refused": 0,
                        "created_at": datetime.now(UTC),
                    }
                ],
            )
        return SharedBudget(self.engine, batch_id, float(limit_usd))

    def get(self, batch_id: str) -> SharedBudget | None:
        """The batch's budget, or None when the batch has none."""
        state = self.state(batch_id)
        return None if state is None else SharedBudget(self.engine, batch_id, state.limit_usd)

    def state(self, batch_id: str) -> BudgetState | None:
        c = t.batch_budgets.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.batch_budgets).where(c.batch_id == batch_id)).first()
        if row is None:
            return None
        return BudgetState(
            row.batch_id, row.limit_usd, row.spent_usd, row.reserved_usd, row.refused
        )


class SharedBudget:
    """A batch's budget, shared by every thread of every run of the batch."""

    def __init__(self, engine: sa.Engine, batch_id: str, limit_usd: float) -> None:
        self.engine = engine
        self.batch_id = batch_id
        self.limit_usd = limit_usd
        self.label = f"batch {batch_id} budget"

    def _state(self) -> BudgetState:
        state = BatchBudgets(self.engine).state(self.batch_id)
        if state is None:
            raise LookupError(f"no budget for batch {self.batch_id!r}")
        return state

    @property
    def spent_usd(self) -> float:
        return self._state().spent_usd

    @property
    def refused(self) -> int:
        """Calls not started because the budget was spent."""
        return self._state().refused

    def reserve(self, estimate_usd: float) -> bool:
        """Book `estimate_usd` unless that would pass the limit (then count a refusal)."""
        c = t.batch_budgets.c
        mine = c.batch_id == self.batch_id
        with self.engine.begin() as conn:
            booked = conn.execute(
                sa.update(t.batch_budgets)
                .where(mine, c.spent_usd + c.reserved_usd + estimate_usd <= c.limit_usd + EPS)
                .values(reserved_usd=c.reserved_usd + estimate_usd)
            ).rowcount
            if booked:
                return True
            conn.execute(sa.update(t.batch_budgets).where(mine).values(refused=c.refused + 1))
            return False

    def settle(self, estimate_usd: float, actual_usd: float) -> None:
        """Swap a booking for the call's real cost."""
        c = t.batch_budgets.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t.batch_budgets)
                .where(c.batch_id == self.batch_id)
                .values(
                    reserved_usd=sa.func.max(0.0, c.reserved_usd - estimate_usd)
                    if conn.dialect.name == "sqlite"
                    else sa.func.greatest(0.0, c.reserved_usd - estimate_usd),
                    spent_usd=c.spent_usd + actual_usd,
                )
            )


class BatchCancels:
    """Which batches were canceled: written by `cancel` before it stops any run, read by the
    launcher before each run it queues and by the follow-up sensor, so a launch or a second
    stage in flight when `cancel` ran adds nothing after it."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def cancel(self, batch_id: str) -> None:
        """Mark the batch canceled (again: no change)."""
        with contextlib.suppress(sa.exc.IntegrityError), self.engine.begin() as conn:
            conn.execute(
                sa.insert(t.batch_cancels),
                [{"batch_id": batch_id, "canceled_at": datetime.now(UTC)}],
            )

    def canceled(self, batch_id: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(t.batch_cancels.c.batch_id).where(
                        t.batch_cancels.c.batch_id == batch_id
                    )
                ).first()
                is not None
            )
