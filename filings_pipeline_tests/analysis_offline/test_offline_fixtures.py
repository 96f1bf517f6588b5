"""OfflineAnalyzer and the figures check on real EDGAR filings (../shared/fixtures/edgar)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from filings_pipeline.analysis.figures import (
    check_filing_figures,
    extract_numbers,
    filing_source_text,
)
from filings_pipeline.analysis.offline import OfflineAnalyzer
from filings_pipeline.analysis.schema import Analysis
from filings_pipeline.edgar.models import Filing

from . import builders
from .builders import (
    filing_from_html,
    filing_from_submission,
    fixtures_dir,
)


def adobe() -> Filing:
    path = fixtures_dir() / "filings/0000796343-23-000044/0000796343-23-000044.txt"
    return filing_from_submission(path, company="ADOBE INC.", form="8-K", items=["2.02", "9.01"])


def nordstrom() -> Filing:
    path = fixtures_dir() / "filings/0000072333-23-000015/jwn-20230301.htm"
    return filing_from_html(path, company="NORDSTROM INC", form="8-K", items=["5.02", "9.01"])


def blackrock() -> Filing:
    path = fixtures_dir() / "filings/0001193125-23-048785/d435686d8k.htm"
    return filing_from_html(path, company="BlackRock Inc.", form="8-K", items=["5.02"])


def afc_gamma() -> Filing:
    path = fixtures_dir() / "filings/0001829126-23-002149/afcgamma-8k.htm"
    return filing_from_html(
        path, company="AFC Gamma, Inc.", form="8-K", items=["5.02", "7.01", "9.01"]
    )


def flowers() -> Filing:
    path = fixtures_dir() / "filings/0001437749-23-034498/flws20231214_8k.htm"
    return filing_from_html(path, company="1 800 FLOWERS COM INC", form="8-K", items=["5.07"])


def premier() -> Filing:
    path = fixtures_dir() / "filings/0000887919-21-000012/primary-8k.htm"
    return filing_from_html(
        path, company="PREMIER FINANCIAL BANCORP INC", form="8-K", items=["8.01", "9.01"]
    )


def apple_notes() -> Filing:
    path = fixtures_dir() / "filings/0001193125-19-292676/0001193125-19-292676.txt"
    return filing_from_submission(path, company="Apple Inc.", form="8-K", items=["8.01", "9.01"])


def bancorp_1895() -> Filing:
    path = fixtures_dir() / "filings/0000943374-24-000509/0000943374-24-000509.txt"
    return filing_from_submission(
        path, company="1895 Bancorp of Wisconsin, Inc. /MD/", form="8-K", items=["5.02"]
    )


def lge_2003() -> Filing:
    path = fixtures_dir() / "filings/0001104659-03-004925/primary-8k.htm"
    return filing_from_html(path, company="LOUISVILLE GAS & ELECTRIC CO /KY/", form="8-K", items=[])


def apple_10q() -> Filing:
    path = fixtures_dir() / "filings/0000320193-23-000077/aapl-20230701.htm"
    return filing_from_html(path, company="Apple Inc.", form="10-Q", items=[])


ALL: list[Callable[[], Filing]] = [
    adobe,
    nordstrom,
    blackrock,
    afc_gamma,
    flowers,
    premier,
    apple_notes,
    bancorp_1895,
    lge_2003,
    apple_10q,
]


@pytest.fixture(params=["bs4", "pipeline"])
def text_extractor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make fixture text with BeautifulSoup get_text, or with the pipeline's own extractor."""
    if request.param == "pipeline":
        edgar_text = pytest.importorskip("filings_pipeline.edgar.text")
        monkeypatch.setattr(builders, "html_to_text", edgar_text.html_to_text)
    return request.param


@pytest.mark.parametrize("build", ALL, ids=lambda b: b.__name__)
def test_every_fixture_gives_a_valid_self_consistent_analysis(
    build: Callable[[], Filing], text_extractor: str
) -> None:
    filing = build()
    outcome = OfflineAnalyzer().analyze(filing)
    assert outcome.ok, outcome.error
    a = outcome.analysis
    assert a is not None
    assert Analysis.model_validate(a.model_dump()) == a
    source = filing_source_text(filing)
    for f in a.figures:
        assert f.value in source  # quoted exactly as written
    check = check_filing_figures(a, filing)
    assert check.ok, check.problems
    for sentence in a.summary.split(". "):
        assert sentence.split(" ")[0] in source  # extractive: the summary's words are the filing's
    assert "SIGNATURE" not in a.summary and "shall not be deemed" not in a.summary
    assert " | " not in a.summary  # no flattened table rows
    assert 1 <= len(a.key_points) <= 5
    again = OfflineAnalyzer().analyze(build()).analysis
    assert again is not None and again.model_dump() == a.model_dump()


def test_adobe_earnings_come_from_the_press_release() -> None:
    a = OfflineAnalyzer().analyze(adobe()).analysis
    assert a is not None
    assert a.headline == "ADOBE INC. reports results of operations (Item 2.02)"
    assert a.event_type == "earnings" and a.materiality == 4
    assert "$4.66 billion" in a.summary
    assert a.sentiment == "positive"
    by_value = {f.value: f.name for f in a.figures}
    assert by_value["$4.66 billion"] == "revenue"


def test_adobe_planted_wrong_figure_is_caught() -> None:
    filing = adobe()
    a = OfflineAnalyzer().analyze(filing).analysis
    assert a is not None
    wrong = a.model_copy(update={"summary": a.summary.replace("$4.66 billion", "$4.76 billion")})
    assert check_filing_figures(wrong, filing).problems == [
        "summary: '$4.76 billion' not found in the filing"
    ]
    rounded = a.model_copy(update={"headline": "Adobe revenue reaches $4.7 billion"})
    assert check_filing_figures(rounded, filing).ok  # $4.66 billion rounds to $4.7 billion


def test_leadership_fixtures() -> None:
    for build in (nordstrom, blackrock, afc_gamma, bancorp_1895):
        a = OfflineAnalyzer().analyze(build()).analysis
        assert a is not None
        assert a.event_type == "leadership_change"
        assert a.headline.endswith("reports director or officer changes (Item 5.02)")
        assert a.key_points[0].startswith("Item 5.02: Departure of Directors")
    afc = OfflineAnalyzer().analyze(afc_gamma()).analysis
    assert afc is not None
    assert "Brandon Hetzel" in afc.summary
    assert any(f.value == "$250,000" and f.name == "base salary" for f in afc.figures)


def test_shareholder_vote_and_periodic_report() -> None:
    vote = OfflineAnalyzer().analyze(flowers()).analysis
    assert vote is not None and vote.event_type == "shareholder_vote"
    tenq = OfflineAnalyzer().analyze(apple_10q()).analysis
    assert tenq is not None
    assert tenq.headline == "Apple Inc. files quarterly report (10-Q)"
    assert tenq.event_type == "periodic_report"
    assert "net sales" in tenq.summary


def test_apple_10q_numbers_are_found_in_its_tables() -> None:
    filing = apple_10q()
    source = filing_source_text(filing)
    assert len(extract_numbers(source)) > 500
    a = OfflineAnalyzer().analyze(filing).analysis
    assert a is not None
    stated = a.model_copy(
        update={
            "summary": "Total net sales were $81,797 million, or $81.8 billion, "
            "against $82,959 million a year earlier."
        }
    )
    check = check_filing_figures(stated, filing)
    assert check.ok, check.problems
    planted = stated.model_copy(update={"summary": "Total net sales were $83.1 billion."})
    assert not check_filing_figures(planted, filing).ok
