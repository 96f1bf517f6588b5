"""Phase 2: analyse each filing of a day that has no current analysis, check its figures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from filings_pipeline.analysis.figures import check_filing_figures
from filings_pipeline.analysis.schema import AnalysisKey, Analyzer
from filings_pipeline.edgar.models import Filing
from filings_pipeline.store import AnalysisRecord, ContentStore

log = logging.getLogger(__name__)


@dataclass
class AnalyzeReport:
    """What analysing one day did, and what it cost."""

    day: date
    analyzer: str
    model: str
    prompt_version: str
    filings: int = 0
    reused: int = 0
    analysed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # accession -> reason
    figures_failed: dict[str, list[str]] = field(default_factory=dict)
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms_total: int = 0
    preview: list[str] = field(default_factory=list)


def analyze_filing(analyzer: Analyzer, filing: Filing) -> AnalysisRecord:
    """Call the analyzer once for one filing and check its figures against the filing text."""
    outcome = analyzer.analyze(filing)
    rec = AnalysisRecord(
        accession=filing.accession,
        prompt_version=analyzer.prompt_version,
        model=analyzer.model,
        day=filing.day,
        analyzer=analyzer.name,
        status="ok" if outcome.ok else "failed",
        error=outcome.error,
        input_tokens=outcome.input_tokens,
        output_tokens=outcome.output_tokens,
        latency_ms=outcome.latency_ms,
        cost_usd=outcome.cost_usd,
        calls=outcome.calls,
    )
    if outcome.analysis is not None:
        rec.payload = outcome.analysis
        check = check_filing_figures(outcome.analysis, filing)
        rec.figures_ok = check.ok
        rec.figure_problems = list(check.problems)
    return rec


def analyze_day(
    store: ContentStore,
    analyzer: Analyzer,
    day: date,
    *,
    force: bool = False,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> AnalyzeReport:
    """Analyse the day's filings that lack a current analysis (or all of them with `force`).

    Each analysis is saved as soon as it is made, so a run killed half-way resumes where it
    stopped and never pays twice for the same (accession, prompt version, model).
    """
    filings = store.filings_for_day(day)
    report = AnalyzeReport(day, analyzer.name, analyzer.model, analyzer.prompt_version)
    report.filings = len(filings)
    key = AnalysisKey.of(analyzer)
    existing = store.analyses_for([f.accession for f in filings], key)
    todo = [
        f for f in filings if force or not (existing.get(f.accession) and existing[f.accession].ok)
    ]
    report.reused = len(filings) - len(todo)
    done = 0

    def work(filing: Filing) -> AnalysisRecord:
        rec = analyze_filing(analyzer, filing)
        store.save_analysis(rec)
        return rec

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for rec in pool.map(work, todo):
            done += 1
            report.analysed += 1
            report.calls += rec.calls
            report.input_tokens += rec.input_tokens
            report.output_tokens += rec.output_tokens
            report.cost_usd += rec.cost_usd
            report.latency_ms_total += rec.latency_ms
            if on_progress:
                on_progress(done, len(todo))
    store.prune_analyses(day, [f.accession for f in filings])
    current = store.analyses_for([f.accession for f in filings], key)
    for acc, rec in sorted(current.items()):
        if not rec.ok:
            report.failed[acc] = rec.error or "unknown error"
        elif not rec.figures_ok:
            report.figures_failed[acc] = rec.figure_problems
        if rec.ok and len(report.preview) < 5:
            report.preview.append(rec.payload.headline if rec.payload else "")
    return report
