"""Cut an 8-K's text into item sections (one per item code SEC lists), reference §14.

Headings are messy: `Item&nbsp;5.02`, `Item` and `5.02` on separate lines or in separate table
cells (`Item | 5.02 | Title` after table flattening), bold or upper case, with or without a
trailing period. A section runs from its heading to the next item heading of any code, or to the
signature block, whichever comes first, so the last item never swallows SIGNATURES.
"""

from __future__ import annotations

import re

_SEP = r"[\s|*_]*"  # whitespace (incl. newlines), table-cell bars, markdown emphasis
_ANY_HEADING = re.compile(
    rf"^{_SEP}item{_SEP}(\d{{1,2}})(?:\s*\.\s*(\d{{2}}))?\b", re.IGNORECASE | re.MULTILINE
)
_SIGNATURE = re.compile(
    r"^[\s|*_]*SIGNATURES?[\s|*_.]*$"
    r"|^[^\n]*pursuant to the requirements of the securities exchange act of 1934,?\s+"
    r"(?:as amended,?\s+)?the\s+registrant\s+has\s+duly\s+caused",
    re.IGNORECASE | re.MULTILINE,
)


# Page numbers / page footers left at the end of a section by the page layout.
_PAGE_NUMBER_TAIL = re.compile(r"(?:\n[ \t]*(?:page[ \t]+)?\d{1,3}[ \t]*)+\s*$", re.IGNORECASE)


def _heading_code(m: re.Match[str]) -> str:
    return f"{int(m.group(1))}.{m.group(2)}" if m.group(2) else str(int(m.group(1)))


def _headings(text: str) -> list[tuple[int, str]]:
    """(position, code) of every line that starts with an item heading, in order."""
    out: list[tuple[int, str]] = []
    for m in _ANY_HEADING.finditer(text):
        # Skip leading whitespace/newlines so the position is the heading word itself.
        start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip(" \t\r\n|*_")))
        out.append((start, _heading_code(m)))
    return out


def _norm_code(code: str) -> str:
    code = code.strip()
    if "." in code:
        major, minor = code.split(".", 1)
        return f"{int(major)}.{minor}" if major.isdigit() else code
    return str(int(code)) if code.isdigit() else code


def split_item_sections(text: str, items: list[str]) -> dict[str, str]:
    """Section text for each item code in `items` whose heading is found in `text`.

    Codes are "2.02"-style (or legacy "9" for pre-2004 filings). Items whose heading is not in
    the text are left out of the result (SEC metadata and documents can disagree).
    """
    text = text.replace("\u00a0", " ")
    headings = _headings(text)
    signatures = [m.start() for m in _SIGNATURE.finditer(text)]
    sections: dict[str, str] = {}
    for wanted in items:
        code = _norm_code(wanted)
        start = next((pos for pos, c in headings if c == code), None)
        if start is None:
            continue
        ends = [pos for pos, _ in headings if pos > start]
        ends += [pos for pos in signatures if pos > start]
        end = min(ends, default=len(text))
        body = _PAGE_NUMBER_TAIL.sub("", text[start:end]).strip()
        if body:
            sections[wanted] = body
    return sections


def section_summary(section: str, words: int = 12) -> str:
    """The first words of a section, on one line (for operator output)."""
    return " ".join(section.split()[:words])
