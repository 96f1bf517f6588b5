"""Turn filing documents (HTML, inline XBRL, plain text) into clean readable text.

lxml parses and cleans the tree (drops the inline-XBRL hidden header, hidden elements, styles,
scripts), tables are flattened to one line per row with ` | ` between non-empty cells, and
inscriptis lays out the rest of the blocks as text.
"""

from __future__ import annotations

import copy
import re

import lxml.html
from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import DEFAULT_CSS_PROFILE_NAME, ParserConfig
from lxml import etree

_DROP_TAGS = {"script", "style", "head", "title", "noscript", "template", "ix:header"}
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_UUENCODED = re.compile(r"^begin [0-7]{3,4} \S[^\n]*\n.*?^end[ \t]*$\n?", re.MULTILINE | re.DOTALL)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WRAPPERS = re.compile(r"</?(?:XBRL|XML|PDF)>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\ufeff]+")
_CLOSE_GAP = re.compile(r"(?<=\w) +([,;)])")
_OPEN_GAP = re.compile(r"\( +(?=\w)")
# Cells that only hold a currency sign, a closing bracket or a percent sign belong to a neighbour.
_JOIN_NEXT = {"$", "€", "£", "(", "($"}
_JOIN_PREV = {")", "%", ")%", "%)", "pts", "bps"}


def strip_uuencoded(text: str) -> str:
    """Remove uuencoded binary blocks (`begin 644 name.jpg` ... `end`) from submission text."""
    return _UUENCODED.sub("", text)


def _tag(el: etree._Element) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _cell_text(cell: etree._Element) -> str:
    for br in cell.iter("br"):
        br.tail = " " + (br.tail or "")
    return _SPACES.sub(" ", " ".join(cell.itertext())).strip()


def _row_cells(row: etree._Element) -> list[str]:
    cells: list[str] = []
    pending = ""
    for cell in row:
        if _tag(cell) not in ("td", "th"):
            continue
        text = _cell_text(cell)
        if not text:
            continue
        if text in _JOIN_NEXT:
            pending += text
            continue
        if text in _JOIN_PREV and cells:
            cells[-1] += text
            continue
        cells.append(pending + text if pending else text)
        pending = ""
    if pending:
        cells.append(pending)
    return cells


def _flatten_table(table: etree._Element) -> None:
    """Replace a table by one <p> per row: `cell | cell | cell` (empty spacer cells dropped)."""
    div = etree.Element("div")
    for row in table.iter("tr"):
        cells = _row_cells(row)
        if cells:
            line = etree.SubElement(div, "div")
            line.text = " | ".join(cells)
    div.tail = table.tail
    parent = table.getparent()
    if parent is None:
        return
    parent.replace(table, div)


def _clean_tree(root: etree._Element) -> None:
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)  # comments, processing instructions
        elif _tag(el) in _DROP_TAGS or _HIDDEN.search(el.get("style", "")):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el) if el.tail is None else _remove_keep_tail(el)
    # Innermost tables first, so nested tables become rows of text inside their outer cell.
    tables = [el for el in root.iter() if _tag(el) == "table"]
    for table in reversed(tables):
        _flatten_table(table)


def _remove_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _tidy(line: str) -> str:
    line = _SPACES.sub(" ", line).strip()
    # Inline spans leave "San Jose , California" and "( 408 )": close those gaps.
    return _OPEN_GAP.sub("(", _CLOSE_GAP.sub(r"\1", line))


def normalize_text(text: str) -> str:
    """Unify spaces (incl. NBSP), trim lines, and keep at most one blank line in a row."""
    lines = [_tidy(ln) for ln in text.replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def _parser_config() -> ParserConfig:
    """A ParserConfig that shares nothing mutable with other conversions.

    inscriptis 2.x (read in 2.7.6) keeps its CSS profiles as module-global dicts of HtmlElement
    objects, and ParserConfig() uses that dict as is. Each conversion then calls
    `css["body"].set_canvas(its canvas)` on the shared element, and every child element takes its
    canvas from it, so concurrent conversions wrote into each other's canvas. Every other element
    is copied per tag (`__copy__`) and the attribute map is only read, so a per-call deep copy
    of the profile leaves no shared mutable state.
    """
    return ParserConfig(css=copy.deepcopy(CSS_PROFILES[DEFAULT_CSS_PROFILE_NAME]))


def html_to_text(html: str) -> str:
    """Clean readable text of an HTML / inline-XBRL document (tables as `a | b | c` rows)."""
    html = _WRAPPERS.sub("", _XML_DECL.sub("", html))
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    _clean_tree(root)
    text = Inscriptis(root, _parser_config()).get_text()
    return normalize_text(text)


def looks_like_html(text: str) -> bool:
    """True when a document body is HTML rather than plain text."""
    head = text[:4000].lower()
    return any(tag in head for tag in ("<html", "<body", "<div", "<p>", "<p ", "<table", "<font"))


def document_to_text(body: str, filename: str = "") -> str:
    """Text of one document, whatever its flavour (HTML, iXBRL, plain text with <PAGE> marks)."""
    if filename.lower().endswith((".htm", ".html", ".xhtml")) or looks_like_html(body):
        return html_to_text(body)
    plain = strip_uuencoded(_WRAPPERS.sub("", body))
    plain = re.sub(r"</?PAGE>", "", plain, flags=re.IGNORECASE)
    return normalize_text(plain)
