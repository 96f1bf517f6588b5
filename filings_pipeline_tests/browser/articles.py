"""Realistic analysed filings for one day (modelled on real 8-Ks), one with hostile text."""

from __future__ import annotations

from datetime import date, datetime

from filings_pipeline.analysis.schema import Analysis, Figure
from filings_pipeline.edgar.models import Exhibit, Filing

DAY = date(2026, 11, 16)
SCRIPT_PAYLOAD = "<script>window.__xss=1</script>"
IMG_PAYLOAD = '<img src=x onerror="window.__xss=2">'
HOSTILE_COMPANY = f"Evil Widgets {SCRIPT_PAYLOAD} Inc"


def _filing(
    accession: str, cik: int, company: str, form: str, items: list[str], text: str, **kw
) -> Filing:
    folder = accession.replace("-", "")
    return Filing(
        accession=accession,
        cik=cik,
        company=company,
        form=form,
        day=DAY,
        date_filed=DAY,
        primary_document=kw.pop("primary_document", "primary-8k.htm"),
        primary_url=f"https://www.sec.gov/Archives/edgar/data/{cik}/{folder}/primary-8k.htm",
        index_url=f"https://www.sec.gov/Archives/edgar/data/{cik}/{folder}/{accession}-index.html",
        text=text,
        items=items,
        **kw,
    )


def day_filings() -> list[tuple[Filing, Analysis]]:
    """Four analysed filings of DAY: earnings, leadership change, financing, and a hostile one."""
    adobe = _filing(
        "0000796343-26-000044",
        796343,
        "ADOBE INC.",
        "8-K",
        ["2.02", "9.01"],
        "Item 2.02 Results of Operations and Financial Condition. On November 16, 2026, Adobe "
        "Inc. issued a press release announcing its financial results for the fiscal quarter.",
        accepted_at=datetime(2026, 11, 16, 16, 6, 36),
        tickers=["ADBE"],
        exhibits=[
            Exhibit(
                "EX-99.1",
                "ex991.htm",
                "https://www.sec.gov/Archives/edgar/data/796343/000079634326000044/ex991.htm",
                "Adobe reports record revenue of $4.66 billion, up 10 percent year over year.",
            )
        ],
    )
    adobe_an = Analysis(
        headline="Adobe reports record quarterly revenue of $4.66 billion",
        summary="Adobe said quarterly revenue reached a record $4.66 billion, up 10 percent year "
        "over year, driven by its Digital Media segment. GAAP earnings per share were $2.71.",
        key_points=[
            "Revenue of $4.66 billion, up 10% year over year",
            "GAAP earnings per share of $2.71",
            "Digital Media annualized recurring revenue grew $410 million",
        ],
        sentiment="positive",
        sentiment_score=0.6,
        materiality=4,
        materiality_rationale="Quarterly earnings release (Item 2.02).",
        event_type="earnings",
        items=["2.02", "9.01"],
        tickers=["ADBE"],
        figures=[
            Figure(name="Revenue", value="$4.66 billion"),
            Figure(name="GAAP EPS", value="$2.71"),
        ],
    )
    nordstrom = _filing(
        "0000072333-26-000015",
        72333,
        "NORDSTROM INC",
        "8-K",
        ["5.02", "9.01"],
        "Item 5.02 Departure of Directors or Certain Officers. The Board appointed a new Chief "
        "Financial Officer effective December 1, 2026.",
        accepted_at=datetime(2026, 11, 16, 17, 29, 21),
        tickers=["JWN"],
    )
    nordstrom_an = Analysis(
        headline="Nordstrom names a new chief financial officer",
        summary="Nordstrom's board appointed a new chief financial officer effective December 1, "
        "2026, succeeding the interim CFO, who returns to the treasury role.",
        key_points=["New CFO effective December 1, 2026", "Interim CFO returns to treasury"],
        sentiment="neutral",
        sentiment_score=0.0,
        materiality=3,
        event_type="leadership_change",
        items=["5.02", "9.01"],
        tickers=["JWN"],
    )
    apple = _filing(
        "0001193125-26-292676",
        320193,
        "Apple Inc.",
        "8-K",
        ["8.01", "9.01"],
        "Item 8.01 Other Events. Apple Inc. closed the sale of $7.0 billion aggregate principal "
        "amount of notes in five tranches.",
        accepted_at=datetime(2026, 11, 16, 9, 1, 2),
        tickers=["AAPL"],
    )
    apple_an = Analysis(
        headline="Apple sells $7.0 billion of notes in five tranches",
        summary="Apple closed an offering of $7.0 billion aggregate principal amount of notes in "
        "five tranches maturing between 2029 and 2049.",
        key_points=["$7.0 billion of notes", "Five tranches maturing 2029 to 2049"],
        sentiment="neutral",
        sentiment_score=0.1,
        materiality=2,
        event_type="financing",
        items=["8.01", "9.01"],
        tickers=["AAPL"],
        figures=[Figure(name="Notes offered", value="$7.0 billion")],
    )
    evil = _filing(
        "0009999999-26-000001",
        9999999,
        HOSTILE_COMPANY,
        "8-K",
        ["7.01"],
        f"Item 7.01 Regulation FD Disclosure. {SCRIPT_PAYLOAD} {IMG_PAYLOAD} press release.",
        accepted_at=datetime(2026, 11, 16, 8, 0, 0),  # last on the homepage (screenshot)
        tickers=["EVIL"],
    )
    evil_an = Analysis(
        headline=f"Evil Widgets {IMG_PAYLOAD} posts an update",
        summary=f"The company published text containing {SCRIPT_PAYLOAD} and {IMG_PAYLOAD} "
        "which must be shown as text, never run.",
        key_points=[f"Point with {SCRIPT_PAYLOAD}", f"Point with {IMG_PAYLOAD}"],
        sentiment="negative",
        sentiment_score=-0.3,
        materiality=1,
        materiality_rationale=f"Rationale {IMG_PAYLOAD}",
        event_type="other",
        items=["7.01"],
        tickers=["EVIL"],
        figures=[Figure(name="Payload <b>", value="<i>1</i>")],
    )
    return [(adobe, adobe_an), (nordstrom, nordstrom_an), (apple, apple_an), (evil, evil_an)]
