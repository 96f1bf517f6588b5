"""Boilerplate stripping, sentence splitting and TF-IDF selection."""

from __future__ import annotations

from filings_pipeline.analysis.text_prep import (
    find_mdna,
    is_content_sentence,
    is_item_heading,
    select_sentences,
    split_sentences,
    strip_boilerplate,
)

EIGHT_K = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
FORM 8-K
Check the appropriate box below if the Form 8-K filing is intended to simultaneously satisfy
Indicate by check mark whether the registrant is an emerging growth company
Item 5.02 Departure of Directors or Certain Officers
On March 1, 2024, Jane Roe resigned as Chief Financial Officer of Acme Corp, effective
immediately.
The Board appointed John Doe as Chief Financial Officer with a base salary of $450,000.
Item 7.01 Regulation FD Disclosure
The information in this Item 7.01 shall not be deemed "filed" for purposes of Section 18.
Item 9.01 Financial Statements and Exhibits
(d) Exhibits
99.1 Press release dated March 1, 2024
SIGNATURES
Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly
caused this report to be signed on its behalf.
/s/ John Doe
"""


def test_strip_boilerplate_keeps_the_substance() -> None:
    out = strip_boilerplate(EIGHT_K)
    assert out.startswith("Item 5.02")
    assert "Jane Roe resigned" in out
    assert "base salary of $450,000" in out
    for gone in (
        "Check the appropriate box",
        "shall not be deemed",
        "Press release dated",
        "SIGNATURES",
        "/s/ John Doe",
        "emerging growth",
    ):
        assert gone not in out


def test_safe_harbour_section_is_dropped_until_next_heading() -> None:
    text = (
        "Acme grew revenue 10% in the quarter thanks to strong demand for widgets.\n"
        "Forward-Looking Statements\n"
        "This release contains statements about future plans.\n"
        "Actual results could differ materially from those anticipated.\n"
        "About Acme\n"
        "Acme makes widgets in twelve countries for industrial customers worldwide.\n"
    )
    out = strip_boilerplate(text)
    assert "future plans" not in out and "differ materially" not in out
    assert "Acme makes widgets" in out and "grew revenue 10%" in out


def test_split_sentences_handles_abbreviations_decimals_and_wraps() -> None:
    text = (
        "Acme Corp. and J.P. Morgan Securities LLC signed a $1.5 billion\n"
        "facility on Jan. 5, 2024. Mr. Smith said revenue rose 3.5% to\n"
        "$12.3 million. The U.S. unit grew.\n"
        "\n"
        "Highlights\n"
        "Shares rose."
    )
    assert split_sentences(text) == [
        "Acme Corp. and J.P. Morgan Securities LLC signed a $1.5 billion facility on Jan. 5, 2024.",
        "Mr. Smith said revenue rose 3.5% to $12.3 million.",
        "The U.S. unit grew.",
        "Highlights",
        "Shares rose.",
    ]


def test_hard_wrapped_long_lines_are_joined() -> None:
    line1 = "On December 20, 2024, the Board extended the employment agreements of the Senior"
    text = f"{line1}\nVice President and the Chief Lending Officer of the bank by two years."
    assert split_sentences(text) == [
        f"{line1} Vice President and the Chief Lending Officer of the bank by two years."
    ]


def test_content_sentence_filter() -> None:
    assert is_content_sentence("The Board appointed John Doe as Chief Financial Officer today.")
    assert not is_content_sentence("Total revenue $ 4,655 $ 4,262 9 % and more words here.")
    assert not is_content_sentence("ITEM 2.02 RESULTS OF OPERATIONS AND FINANCIAL CONDITION.")
    assert not is_content_sentence("and then the company said it would grow a lot more.")
    assert not is_content_sentence(
        "These statements shall not be deemed filed for purposes of Section 18 of the Act."
    )
    assert not is_content_sentence("Too short.")


def test_item_heading_detection() -> None:
    assert is_item_heading(
        "Item 5.02 Departure of Directors or Certain Officers; Election of "
        "Directors; Appointment of Certain Officers; Compensatory "
        "Arrangements of Certain Officers."
    )
    assert is_item_heading("Submission of Matters to a Vote of Security Holders.")
    assert is_item_heading("Election of Directors; Appointment of Certain Officers .")
    assert not is_item_heading("The Board elected three new directors at the annual meeting.")


def test_select_sentences_prefers_substance_and_skips_duplicates() -> None:
    sentences = [
        "Acme reported record revenue of $5.2 million for the quarter, up 12% on strong demand.",
        "Acme reported record revenue of $5.2 million for the quarter, up 12% on strong demand!",
        "“We are thrilled,” said the chief executive officer in a statement to the press today.",
        "Net income rose to $1.1 million and earnings per share reached $0.21 for the quarter.",
        "The company will host a conference call at its headquarters later in the afternoon.",
    ]
    chosen = select_sentences(sentences, 2)
    assert len(chosen) == 2
    assert chosen[0] in (0, 1) and not {0, 1} <= set(chosen)
    assert 3 in chosen
    assert select_sentences(sentences, 2) == chosen  # deterministic
    assert select_sentences([], 3) == []


def test_find_mdna_skips_table_of_contents() -> None:
    body = "Net sales rose on strong demand for phones and services worldwide. " * 20
    text = (
        "Item 2. Management's Discussion and Analysis of Financial Condition and Results "
        "of Operations 15\nItem 3. Quantitative and Qualitative Disclosures 25\n"
        "Item 2. Management’s Discussion and Analysis of Financial Condition and Results of "
        f"Operations\n{body}\nItem 3. Quantitative and Qualitative Disclosures About Market Risk\n"
    )
    mdna = find_mdna(text)
    assert mdna is not None and "strong demand" in mdna and "Market Risk" not in mdna
    assert find_mdna("no such heading here") is None
