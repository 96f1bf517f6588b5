"""Form 8-K item codes and titles (reference §10), and mapping SEC's item names back to codes."""

from __future__ import annotations

import difflib
import re

ITEM_TITLES: dict[str, str] = {
    "1.01": "Entry into a Material Definitive Agreement",
    "1.02": "Termination of a Material Definitive Agreement",
    "1.03": "Bankruptcy or Receivership",
    "1.04": "Mine Safety - Reporting of Shutdowns and Patterns of Violations",
    "1.05": "Material Cybersecurity Incidents",
    "2.01": "Completion of Acquisition or Disposition of Assets",
    "2.02": "Results of Operations and Financial Condition",
    "2.03": "Creation of a Direct Financial Obligation or an Obligation under an Off-Balance "
    "Sheet Arrangement of a Registrant",
    "2.04": "Triggering Events That Accelerate or Increase a Direct Financial Obligation or an "
    "Obligation under an Off-Balance Sheet Arrangement",
    "2.05": "Costs Associated with Exit or Disposal Activities",
    "2.06": "Material Impairments",
    "3.01": "Notice of Delisting or Failure to Satisfy a Continued Listing Rule or Standard; "
    "Transfer of Listing",
    "3.02": "Unregistered Sales of Equity Securities",
    "3.03": "Material Modification to Rights of Security Holders",
    "4.01": "Changes in Registrant's Certifying Accountant",
    "4.02": "Non-Reliance on Previously Issued Financial Statements or a Related Audit Report "
    "or Completed Interim Review",
    "5.01": "Changes in Control of Registrant",
    "5.02": "Departure of Directors or Certain Officers; Election of Directors; Appointment of "
    "Certain Officers: Compensatory Arrangements of Certain Officers",
    "5.03": "Amendments to Articles of Incorporation or Bylaws; Change in Fiscal Year",
    "5.04": "Temporary Suspension of Trading Under Registrant's Employee Benefit Plans",
    "5.05": "Amendments to the Registrant's Code of Ethics, or Waiver of a Provision of the Code "
    "of Ethics",
    "5.06": "Change in Shell Company Status",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "5.08": "Shareholder Director Nominations",
    "6.01": "ABS Informational and Computational Material",
    "6.02": "Change of Servicer or Trustee",
    "6.03": "Change in Credit Enhancement or Other External Support",
    "6.04": "Failure to Make a Required Distribution",
    "6.05": "Securities Act Updating Disclosure",
    "6.06": "Static Pool",
    "6.10": "Alternative Filings of Asset-Backed Issuers",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
    "9.01": "Financial Statements and Exhibits",
}

# Names seen in the wild that differ from the table above.
_ALIASES: dict[str, str] = {
    "Material Modifications to Rights of Security Holders": "3.03",
    "Mine Safety Disclosure": "1.04",
}

_CODE_LINE = re.compile(r"Item\s+(\d{1,2}\.\d{2})\s*:?", re.IGNORECASE)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_BY_NAME: dict[str, str] = {_norm(t): c for c, t in ITEM_TITLES.items()}
_BY_NAME.update({_norm(t): c for t, c in _ALIASES.items()})


def item_title(code: str) -> str:
    """Title of an 8-K item code ("2.02" -> "Results of Operations ..."); the code if unknown."""
    return ITEM_TITLES.get(code, f"Item {code}")


def code_for_name(name: str) -> str | None:
    """Item code for an `ITEM INFORMATION:` name (exact after normalising, then close match)."""
    key = _norm(name)
    if not key:
        return None
    if key in _BY_NAME:
        return _BY_NAME[key]
    close = difflib.get_close_matches(key, list(_BY_NAME), n=1, cutoff=0.85)
    return _BY_NAME[close[0]] if close else None


def codes_from_item_lines(text: str) -> list[str]:
    """Codes from "Item 2.02: ..." lines (index page, Atom summary), in order, no repeats."""
    out: list[str] = []
    for m in _CODE_LINE.finditer(text):
        if m.group(1) not in out:
            out.append(m.group(1))
    return out


def codes_from_names(names: list[str]) -> list[str]:
    """Codes for a list of `ITEM INFORMATION` names; unknown names are skipped."""
    out: list[str] = []
    for name in names:
        code = code_for_name(name)
        if code and code not in out:
            out.append(code)
    return out


def parse_items_field(value: str) -> list[str]:
    """The submissions JSON `items` field ("2.02,9.01") as a list of codes."""
    return [p.strip() for p in value.split(",") if p.strip()]
