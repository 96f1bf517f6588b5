"""HTML -> text under many threads: every conversion returns its own document's text.

inscriptis's ParserConfig uses its module-global CSS profile without copying it, and every
conversion points the shared `body` element at its own canvas; before the fix, two threads
converting at once could write into each other's canvas (one text empty, the other carrying
foreign words). With 8 threads x 4,000 documents and a 10 us switch interval the old code gave
dozens of empty and mixed texts in every run.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from filings_pipeline.edgar.text import document_to_text, html_to_text

DOCUMENTS = 4000
THREADS = 8
_MARKER = re.compile(r"mark\d{5}[a-z]")


def marker(i: int, part: str) -> str:
    return f"mark{i:05d}{part}"


def document(i: int) -> str:
    """A small filing-like page whose every block carries the document's own marker words."""
    return (
        "<html><head><title>t</title></head><body>"
        f"<div><b>Item 2.02 {marker(i, 'a')}</b></div>"
        f"<p>Revenue of {marker(i, 'b')} rose <span>{marker(i, 'c')}</span> in the quarter.</p>"
        f"<table><tr><td>Net sales</td><td>$</td><td>{i}</td></tr></table>"
        f"<ul><li>{marker(i, 'd')}</li></ul><p>{marker(i, 'e')}</p></body></html>"
    )


def _check(results: list[str]) -> tuple[int, int]:
    empty = mixed = 0
    for i, text in enumerate(results):
        found = set(_MARKER.findall(text))
        if not text.strip():
            empty += 1
        elif found != {marker(i, p) for p in "abcde"}:
            mixed += 1
    return empty, mixed


def test_concurrent_conversions_never_empty_or_mixed(tiny_switch_interval) -> None:
    docs = [document(i) for i in range(DOCUMENTS)]
    expected = html_to_text(docs[0])
    assert expected.startswith(f"Item 2.02 {marker(0, 'a')}")
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda d: document_to_text(d, "x.htm"), docs))
    empty, mixed = _check(results)
    assert (empty, mixed) == (0, 0), f"{empty} empty and {mixed} mixed of {DOCUMENTS} texts"
    # Same layout as a single-threaded conversion (the per-call profile changes nothing).
    assert results[0] == expected
