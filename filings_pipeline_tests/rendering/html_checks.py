"""Helpers that parse rendered HTML and look for anything executable."""

from __future__ import annotations

import lxml.html
from bs4 import BeautifulSoup


def executable_markup(html: str) -> list[str]:
    """Script elements and on* attributes found by two independent parsers (empty: safe)."""
    found: list[str] = []
    doc = lxml.html.document_fromstring(html)
    found += [f"lxml <script> {el.text!r}" for el in doc.iter("script")]
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        found += [f"lxml <{el.tag} {a}=...>" for a in el.attrib if a.lower().startswith("on")]
    soup = BeautifulSoup(html, "html.parser")
    found += [f"bs4 <script> {s!r}" for s in soup.find_all("script")]
    for tag in soup.find_all(True):
        found += [f"bs4 <{tag.name} {a}=...>" for a in tag.attrs if a.lower().startswith("on")]
    found += [f"bs4 <{t.name}> {t!r}" for t in soup.find_all(["img", "iframe", "object", "embed"])]
    return found


def visible_text(html: str) -> str:
    """The text a reader sees."""
    return BeautifulSoup(html, "html.parser").get_text(" ")
