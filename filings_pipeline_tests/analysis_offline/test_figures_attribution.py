"""Attribution: a quoted number passes only where the filing states it under the same label."""

from __future__ import annotations

import pytest

from filings_pipeline.analysis.figures import check_figures
from filings_pipeline.analysis.schema import Analysis, Figure

SOURCE = """ACME CORP
Item 2.02 Results of Operations and Financial Condition
We closed 37 stores during the year. Total debt was $1.9 billion at year end.
Revenue was $2.4 billion, up 4% on the year, while net income was $310 million, or $1.12 per
diluted share. The company has twelve plants and expects capital spending of $150 million.

Condensed results (in millions)
Net sales | 2,400 | 2,308
Gross margin | 41.5 | 40.2
Borrowings under the credit facility | 600 | 450
"""


def analysis(summary: str = "Acme Corp reported its year.", figures=()) -> Analysis:
    return Analysis(
        headline="Acme Corp reports results of operations (Item 2.02)",
        summary=f"{summary} So said Acme Corp.",
        key_points=["Item 2.02: Results of Operations and Financial Condition"],
        sentiment="neutral",
        sentiment_score=0.0,
        materiality=3,
        event_type="earnings",
        figures=list(figures),
    )


def problems(summary: str) -> list[str]:
    return check_figures(analysis(summary), SOURCE).problems


def test_the_issues_example_is_held_back_and_says_why() -> None:
    assert problems("Revenue collapsed 37% to $1.9 billion.") == [
        "summary: '37%' not found in the filing",  # the 37 is a store count, not a percentage
        "summary: '$1.9 billion' found only near 'total debt', not near 'revenue'",
    ]


def test_a_number_word_elsewhere_backs_nothing() -> None:
    assert problems("Revenue rose 12%.") == ["summary: '12%' not found in the filing"]
    assert problems("Revenue was 12 million.") == ["summary: '12 million' not found in the filing"]


def test_a_number_word_counts_in_its_own_context() -> None:
    assert problems("The company runs 12 plants.") == []
    assert problems("Net income was 12.") == [
        "summary: '12' found only as the word 'twelve' in 'The company has twelve plants', "
        "not near 'net income'"
    ]


@pytest.mark.parametrize(
    "summary",
    [
        "Total debt was $1.9 billion.",
        "Borrowings reached $1.9 billion.",  # a synonym of debt
        "Sales were $2.4 billion, up 4%.",  # sales = revenue, and the 4% is in its clause
        "Net sales were $2,400 million against $2,308 million.",  # a table row
        "Earnings were $310 million.",  # earnings = net income
        "Profit was $310 million.",
        "Diluted EPS was $1.12.",  # "per diluted share" in the filing
        "Earnings per share were $1.12.",
        "Gross margin was 41.5%.",  # a bare number in a ratio row
        "Guidance for capital spending is $150 million.",
        "Acme closed 37 stores.",
        "The credit facility had $600 million drawn.",
    ],
)
def test_true_figures_under_their_label_or_a_synonym_pass(summary: str) -> None:
    assert problems(summary) == []


@pytest.mark.parametrize(
    ("summary", "problem"),
    [
        (
            "Net income was $2.4 billion.",
            "'$2.4 billion' found only near 'revenue', 'net sales', not near 'net income'",
        ),
        ("Revenue was $310 million.", "'$310 million' found only near 'net income', not near"),
        ("Debt was $2,400 million.", "found only near 'revenue', 'net sales', not near 'debt'"),
        ("Revenue was $600 million.", "found only near 'borrowings', 'credit facility'"),
        ("EPS was $1.9 billion.", "'$1.9 billion' found only near 'total debt', not near 'eps'"),
        ("Gross margin was 4%.", "'4%' found only near 'revenue', not near 'gross margin'"),
        ("Revenue was $1.12 per share.", "'$1.12' found only near"),
    ],
)
def test_a_figure_under_another_label_is_held_back(summary: str, problem: str) -> None:
    found = problems(summary)
    assert len(found) == 1 and problem in found[0], found


def test_a_figure_name_is_its_label() -> None:
    ok = [Figure(name="total debt", value="$1.9 billion"), Figure(name="Net sales", value="2,400")]
    assert check_figures(analysis(figures=ok), SOURCE).ok
    wrong = [Figure(name="revenue", value="$1.9 billion")]
    assert check_figures(analysis(figures=wrong), SOURCE).problems == [
        "figures[0] (revenue): '$1.9 billion' found only near 'total debt', not near 'revenue'"
    ]


def test_a_claim_naming_nothing_needs_the_digits_somewhere() -> None:
    assert problems("It mentioned $1.9 billion.") == []
    generic = [Figure(name="amount", value="$310 million")]
    assert check_figures(analysis(figures=generic), SOURCE).ok
    assert problems("It mentioned $1.8 billion.") == [
        "summary: '$1.8 billion' not found in the filing"
    ]
