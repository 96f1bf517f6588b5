"""The golden digest of what the Bedrock analyzer sends for fixed filings, per prompt version.

``prompt_digest()`` renders the prompt (system text and the opening messages) for the golden
filings below, adds the forced tool's spec (name, description, input schema: the Analysis
schema), and hashes the canonical JSON with sha256. ``prompt.PROMPT_DIGESTS`` records the
digest for each ``PROMPT_VERSION``; a test recomputes it, so changing the prompt wording, what
``build_prompt`` selects or trims, the default budget, or the schema without a new version
fails. After a deliberate change: bump ``PROMPT_VERSION`` and record the new digest printed by
``python -m filings_pipeline.analysis.prompt_digest``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from filings_pipeline.analysis.bedrock import first_messages, tool_spec
from filings_pipeline.analysis.prompt import build_prompt
from filings_pipeline.edgar.models import Exhibit, Filing

_RELEASE = """Exhibit 99.1
Golden Widgets Reports Third Quarter Results
Revenue of $1.31 billion, up 12.5% year over year; diluted EPS of $0.45.
Fiscal 2026 outlook | Low | High
Revenue ($ millions) | 5,100 | 5,300
Diluted EPS | $1.80 | $1.95
About Golden Widgets: Golden Widgets makes widgets. Forward-looking statements apply."""

_MDNA = """Table of contents
Item 2. Management's Discussion and Analysis 25
Item 3. Quantitative and Qualitative Disclosures 40
Part I
Item 1. Financial Statements
Balance sheet numbers here.
Item 2. Management's Discussion and Analysis of Financial Condition and Results of Operations
Total net sales decreased 1% to $81.8 billion. Services net sales grew 8% to $21.2 billion.
Operating expenses | 13,415 | 12,809
Item 3. Quantitative and Qualitative Disclosures About Market Risk
Rates moved."""


def golden_filings() -> list[Filing]:
    """Two fixed filings: an earnings 8-K (items 2.02 + 9.01, EX-99.1 with a table) and a 10-Q."""
    common: dict[str, Any] = {
        "cik": 999001,
        "company": "GOLDEN WIDGETS INC",
        "day": date(2026, 11, 16),
        "date_filed": date(2026, 11, 16),
        "primary_url": "https://www.sec.gov/Archives/edgar/data/999001/golden.htm",
        "index_url": "https://www.sec.gov/Archives/edgar/data/999001/golden-index.html",
        "tickers": ["GWID"],
    }
    eight_k = Filing(
        accession="0000999001-26-000001",
        form="8-K",
        primary_document="golden-8k.htm",
        text="Item 2.02 Results of Operations and Financial Condition. See Exhibit 99.1.",
        period_of_report=date(2026, 11, 13),
        items=["2.02", "9.01"],
        sections={
            "2.02": "On November 16, 2026, Golden Widgets issued a press release on its results.",
            "9.01": "(d) Exhibits. 99.1 Press release dated November 16, 2026.",
        },
        exhibits=[Exhibit("EX-99.1", "ex991.htm", "", _RELEASE)],
        **common,
    )
    ten_q = Filing(
        accession="0000999001-26-000002",
        form="10-Q",
        primary_document="golden-10q.htm",
        text=_MDNA,
        period_of_report=date(2026, 9, 30),
        **common,
    )
    return [eight_k, ten_q]


def rendered_requests() -> list[dict[str, Any]]:
    """What the analyzer sends the model for each golden filing (system, messages, tool)."""
    out = []
    for filing in golden_filings():
        parts = build_prompt(filing)
        out.append(
            {
                "system": parts.system,
                "messages": first_messages(parts.user_text),
                "tool": tool_spec(),
            }
        )
    return out


def prompt_digest() -> str:
    """sha256 of the canonical JSON of `rendered_requests()`."""
    canonical = json.dumps(rendered_requests(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


if __name__ == "__main__":
    print(prompt_digest())
