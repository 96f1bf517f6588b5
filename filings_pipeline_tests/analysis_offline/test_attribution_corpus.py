"""The planted-misattribution corpus: catch rate and false holds, on the sample and real filings.

These are correctness rates (what the check decides), not timings. Goal: at least 95% of the
plants caught, at most 5% of the true figures held back; the analyzers' own answers (offline
analyzer, the local Converse server's deterministic answer) never held.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from filings_pipeline.analysis.figures import filing_source_text
from filings_pipeline.devtools import attribution_corpus as ac

MIN_CATCH_RATE = 0.95
MAX_HOLD_RATE = 0.05


def _score(filings: list) -> tuple[ac.Score, list[ac.Claim]]:
    claims = ac.corpus(filings)
    return ac.score(claims, {n: filing_source_text(f) for n, f in filings}), claims


def _assert_rates(score: ac.Score, claims: list[ac.Claim], min_plants: int, min_true: int) -> None:
    kinds = ac.tally(claims)
    assert score.plants >= min_plants and score.true_claims >= min_true, kinds
    for kind in ("plant:swap", "plant:percent", "plant:compound", "plant:number-word"):
        assert kinds[kind] > 0, f"no {kind} plants: {kinds}"
    assert score.catch_rate >= MIN_CATCH_RATE, score.missed[:10]
    assert score.hold_rate <= MAX_HOLD_RATE, score.false_holds[:10]
    own = [h for h in score.false_holds if " true:offline:" in h or " true:bedrock-standin:" in h]
    assert own == []


@pytest.fixture(scope="module")
def sample_filings(tmp_path_factory: pytest.TempPathFactory) -> list:
    return ac.sample_filings(tmp_path_factory.mktemp("attribution-sample"))


def test_sample_corpus_rates(sample_filings: list) -> None:
    score, claims = _score(sample_filings)
    _assert_rates(score, claims, min_plants=500, min_true=500)


def test_real_edgar_fixture_rates(shared_edgar: Path) -> None:
    score, claims = _score(ac.fixture_filings(shared_edgar))
    _assert_rates(score, claims, min_plants=100, min_true=300)


def test_an_existence_check_misses_the_plants(sample_filings: list) -> None:
    """The plants are misattributions, not missing numbers: nearly all digits are there."""
    score, _ = _score(sample_filings)
    assert score.caught_as_not_found < 0.1 * score.plants
