"""8-K item titles for display. The table lives in `filings_pipeline.edgar.items` (one copy)."""

from __future__ import annotations

from filings_pipeline.edgar.items import item_title as _shared_item_title


def item_title(code: str) -> str:
    """Title of an 8-K item code like '2.02'; 'Item <code>' when the code is unknown."""
    return _shared_item_title(code.strip())
