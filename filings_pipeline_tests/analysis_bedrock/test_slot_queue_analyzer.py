"""The Bedrock analyzer in the call-slot queue: today's filings first, and a wait or a budget
record that fails never leaves money booked or throws a paid answer away."""

from __future__ import annotations

import threading
import time

import pytest

from filings_pipeline.analysis.bedrock import BedrockAnalyzer, RunBudget
from filings_pipeline.analysis.call_limit import SlotTimeout
from filings_pipeline.devtools.converse_server import ConverseServer

from .conftest import fast_config, make_filing, slots_for


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("urgent", [True, False])
def test_todays_filing_is_called_before_a_running_backfills_next_calls(
    backend: dict, urgent: bool
) -> None:
    """One slot; a backfill step (built first) works through 8 filings with 3 threads. A
    filing of today arrives while the backfill's first call runs: urgent, it is the second
    call the server sees; not urgent (the comparison), it waits for all of the backfill's."""
    with ConverseServer(latency_s=0.25) as srv:
        backfill = BedrockAnalyzer(fast_config(srv.url), slots=slots_for(backend, 1))
        time.sleep(0.01)
        today = BedrockAnalyzer(fast_config(srv.url), slots=slots_for(backend, 1), urgent=urgent)
        todo = [make_filing(n) for n in range(1, 9)]
        lock = threading.Lock()

        def backfill_thread() -> None:
            while True:
                with lock:
                    if not todo:
                        return
                    filing = todo.pop(0)
                assert backfill.analyze(filing).ok

        threads = [threading.Thread(target=backfill_thread) for _ in range(3)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while srv.in_flight() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert today.analyze(make_filing(99)).ok
        for t in threads:
            t.join()
        order = [c.accession for c in sorted(srv.calls, key=lambda c: c.start)]
    assert len(order) == 9 and order.count(make_filing(99).accession) == 1
    position = order.index(make_filing(99).accession)
    if urgent:
        assert position == 1, order
    else:
        assert position >= 7, order  # behind the backfill's queued calls: what urgent changes
    backfill.slots.close()
    today.slots.close()


def test_a_slot_wait_that_times_out_gives_the_booking_back(backend: dict) -> None:
    """The call never started (no slot): its worst-case booking is returned to the budget."""
    holder = slots_for(backend, 1)
    with ConverseServer() as srv, holder.acquire(lease_s=60):
        budget = RunBudget(1.0)
        analyzer = BedrockAnalyzer(
            fast_config(srv.url), budget=budget, slots=slots_for(backend, 1, timeout=0.3)
        )
        with pytest.raises(SlotTimeout):
            analyzer.analyze(make_filing(1))
        assert srv.calls == []
    assert budget._reserved == 0.0 and budget.spent_usd == 0.0  # nothing left booked
    assert budget.reserve(1.0)  # the whole budget is there for the next call
    holder.close()
    analyzer.slots.close()


def test_a_failing_budget_record_keeps_the_paid_answer(caplog: pytest.LogCaptureFixture) -> None:
    """The shared budget's database is unreachable when the answer comes back: the analysis is
    kept (it was paid for), the failure is logged, and the worst case stays booked."""

    class FlakyBudget(RunBudget):
        def settle(self, estimate_usd: float, actual_usd: float) -> None:
            raise ConnectionError("budget database unreachable")

    with ConverseServer() as srv:
        budget = FlakyBudget(1.0)
        outcome = BedrockAnalyzer(fast_config(srv.url), budget=budget).analyze(make_filing(1))
        assert len(srv.calls) == 1
    assert outcome.ok and outcome.analysis is not None
    assert budget._reserved > 0  # the worst case stays booked: errs on the side of spending less
    assert "could not record" in caplog.text
