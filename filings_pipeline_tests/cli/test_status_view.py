"""How `status` computes throughput and ETA and draws its bars (numbers given, no daemon)."""

from __future__ import annotations

from rich.console import Console

from filings_pipeline.cli.status import BackfillProgress, PhaseProgress, plain_text, render_rich


def progress(status: str = "REQUESTED", hostile_title: bool = False) -> BackfillProgress:
    phases = [
        PhaseProgress("filings", targeted=10, done=10, filings=50),
        PhaseProgress("analyses", targeted=10, done=6, running=2, queued=1, failed=1, filings=30),
        PhaseProgress("rendered_articles", targeted=10, done=4, running=1, queued=5, filings=20),
        PhaseProgress("published_articles", targeted=10, done=2, queued=8, filings=10),
    ]
    title = "[red]x[/red] <script>alert(1)</script>" if hostile_title else "ten days"
    return BackfillProgress("abcd1234", status, title, 1000.0, None, 1120.0, phases)


def test_throughput_and_eta_follow_the_last_phase() -> None:
    bp = progress()
    assert bp.elapsed_s == 120.0
    assert bp.throughput_per_min == 5.0  # 10 published filings in 2 minutes
    assert bp.eta_s == 480.0  # 2 of 10 days took 120 s: 8 left take 480 s
    assert bp.to_json()["eta_s"] == 480.0 and "done_days" not in bp.to_json()["phases"][0]


def test_eta_unknown_until_a_day_is_through_and_zero_when_ended() -> None:
    bp = progress()
    bp.phases[-1].done = 0
    assert bp.eta_s is None and "ETA unknown" in plain_text(bp)
    ended = progress("COMPLETED_SUCCESS")
    assert ended.done and ended.eta_s == 0.0 and "ETA done" in plain_text(ended)


def test_plain_text_lists_every_phase() -> None:
    lines = plain_text(progress()).splitlines()
    assert lines[0].startswith("backfill abcd1234 [requested] ten days")
    assert "2 analyse 6/10 days done, 2 running, 1 queued, 1 failed; 30 filings" in lines[2]
    assert len(lines) == 5


def test_rich_view_draws_one_bar_per_phase_and_prints_titles_literally() -> None:
    console = Console(record=True, width=140, force_terminal=True, color_system=None)
    console.print(render_rich(progress(hostile_title=True)))
    text = console.export_text()
    assert "[red]x[/red] <script>alert(1)</script>" in text  # no markup interpretation
    rows = [line for line in text.splitlines() if "█" in line or "░" in line]
    assert len(rows) == 4
    assert rows[0].count("█") == 30  # ingest: all done
    assert rows[3].count("█") == 6 and rows[3].count("░") == 24  # publish: 2 of 10


def test_run_bars_draw_the_same_model_as_status(capsys) -> None:
    from filings_pipeline.cli.progress import watch_backfill

    states = iter([progress(), progress("COMPLETED_SUCCESS")])
    console = Console(force_terminal=False)
    final = watch_backfill(lambda: next(states), interval_s=0.0, console=console)
    assert final.status == "COMPLETED_SUCCESS"
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("[requested] 1 ingest 10/10  2 analyse 6/10 (running 2) (failed 1)")
    assert "4 publish 2/10" in out[0] and len(out) == 1  # the phases did not change: one line


def test_pending_review_is_shown_when_there_is_any() -> None:
    bp = progress()
    assert "pending review" not in plain_text(bp)
    bp.pending_review = 3
    assert plain_text(bp).splitlines()[-1] == (
        "3 article(s) pending review: filings-pipeline review list"
    )
    assert bp.to_json()["pending_review"] == 3
    console = Console(record=True, width=140, force_terminal=True, color_system=None)
    console.print(render_rich(bp))
    assert "3 article(s) pending review" in console.export_text()
