"""extract_numbers: what counts as a quantity, its value and its text as written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from filings_pipeline.analysis.figures import extract_numbers


def one(text: str):
    found = extract_numbers(text)
    assert len(found) == 1, [n.text for n in found]
    return found[0]


@pytest.mark.parametrize(
    ("text", "written", "value", "kind"),
    [
        ("revenue of $1.2 billion.", "$1.2 billion", Decimal("1200000000"), "money"),
        ("revenue of $1,200 million.", "$1,200 million", Decimal("1200000000"), "money"),
        ("revenue of 1,200,000,000 dollars", "1,200,000,000", Decimal("1200000000"), "number"),
        ("revenue of 1.2B", "1.2B", Decimal("1200000000"), "number"),
        ("a $5bn deal", "$5bn", Decimal("5000000000"), "money"),
        ("up 12.5% on", "12.5%", Decimal("12.5"), "percent"),
        ("up 12.5 percent on", "12.5 percent", Decimal("12.5"), "percent"),
        ("up 12.5 per cent on", "12.5 per cent", Decimal("12.5"), "percent"),
        ("EPS was $0.45 per share", "$0.45", Decimal("0.45"), "money"),
        ("net loss per share (1.23) in", "(1.23)", Decimal("-1.23"), "number"),
        ("net loss per share $(1.23) in", "$(1.23)", Decimal("-1.23"), "money"),
        ("net loss per share ($1.23) in", "($1.23)", Decimal("-1.23"), "money"),
        ("a change of -1.23 in", "-1.23", Decimal("-1.23"), "number"),
        ("margin fell (12.5)% in", "(12.5)%", Decimal("-12.5"), "percent"),
        ("paid € 4 million", "€ 4 million", Decimal("4000000"), "money"),
        ("paid US$3.2 million", "US$3.2 million", Decimal("3200000"), "money"),
        ("cost USD 7 thousand", "USD 7 thousand", Decimal("7000"), "money"),
        ("salary of $250,000.", "$250,000", Decimal("250000"), "money"),
        ("a rate of .5% only", ".5%", Decimal("0.5"), "percent"),
    ],
)
def test_values_and_text_as_written(text: str, written: str, value: Decimal, kind: str) -> None:
    n = one(text)
    assert n.text == written
    assert text[n.start : n.end] == written
    assert n.value == value
    assert n.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "Item 2.02 Results of Operations",
        "Items 5.02 and 9.01 were reported",
        "see 9.01 below",
        "Annual Report on Form 10-K and Form 10-Q and an 8-K/A",
        "filed on Form 20-F",
        "a registration statement on Form S-3",
        "during the COVID-19 pandemic",
        "attached as Exhibit 99.1 hereto",
        "under Section 13(a) and Rule 425",
        "on March 15, 2023 and Mar. 3, 2023",
        "on 3 May 2024",
        "on 2023-03-15 and 03/15/2023",
        "at 2:00 p.m. Pacific Time",
        "in fiscal 2023 versus 1999",
        "its 1st and 2nd quarters",
        "a Rule 10b5-1 plan",
        "Q3 results and FY2024",
    ],
)
def test_non_quantities_are_skipped(text: str) -> None:
    assert extract_numbers(text) == []


def test_year_with_currency_or_comma_is_a_quantity() -> None:
    assert [n.text for n in extract_numbers("paid $2023 and 2,023 units")] == ["$2023", "2,023"]


def test_range_borrows_scale() -> None:
    found = extract_numbers("revenue of $4.75 to $4.78 billion")
    assert [n.value for n in found] == [Decimal("4750000000"), Decimal("4780000000")]
    found = extract_numbers("between 1.2-1.3 million units")
    assert [n.value for n in found] == [Decimal("1200000"), Decimal("1300000")]


def test_hyphen_range_is_not_negative() -> None:
    found = extract_numbers("a term of 10-12 months")
    assert [n.value for n in found] == [Decimal(10), Decimal(12)]
    assert not any(n.negative for n in found)


def test_unbalanced_parenthesis_belongs_to_prose() -> None:
    n = one("net income of ($4.57 per diluted share) rose")
    assert n.text == "$4.57"
    assert not n.negative
    assert n.per_share


def test_in_millions_header_gives_alternate_value() -> None:
    text = "(in millions, except per share data)\nRevenue $ 4,655 $ 4,262\nNet income 1,247"
    found = extract_numbers(text)
    assert [n.text for n in found] == ["$ 4,655", "$ 4,262", "1,247"]
    assert found[2].alt_values == (Decimal("1247000000"),)
    before = extract_numbers("Revenue 1,247 (in thousands)")
    assert before[0].alt_values == ()


def test_number_words_only_on_request() -> None:
    assert extract_numbers("three directors") == []
    words = extract_numbers("three directors", with_number_words=True)
    assert [n.value for n in words] == [Decimal(3)]


def test_every_mention_is_an_exact_substring_of_a_big_text() -> None:
    text = " ".join(
        f"Segment {i} revenue was ${i}.{i % 10}5 million, up {i % 17}.5% (or ({i}.2)%)."
        for i in range(1, 400)
    )
    found = extract_numbers(text)
    assert len(found) > 1000
    for n in found:
        assert text[n.start : n.end] == n.text
