"""Ticker <-> CIK from SEC's company_tickers.json (reference §9), and watchlist resolution."""

from __future__ import annotations

import json
from collections.abc import Iterable


def parse_company_tickers(data: bytes | str) -> dict[int, list[str]]:
    """`{"0": {"cik_str": 789019, "ticker": "MSFT", ...}}` -> {cik: [tickers...]}."""
    raw = json.loads(data)
    out: dict[int, list[str]] = {}
    rows = raw.values() if isinstance(raw, dict) else raw
    for row in rows:
        try:
            cik = int(row["cik_str"])
        except (KeyError, TypeError, ValueError):
            continue
        ticker = str(row.get("ticker", "")).strip().upper()
        if ticker and ticker not in out.setdefault(cik, []):
            out[cik].append(ticker)
    return out


def resolve_watchlist(watchlist: Iterable[str], tickers: dict[int, list[str]]) -> set[int]:
    """CIKs for a watchlist of tickers and/or CIKs; raises ValueError naming unknown tickers."""
    by_ticker = {t: cik for cik, ts in tickers.items() for t in ts}
    ciks: set[int] = set()
    unknown: list[str] = []
    for item in watchlist:
        item = item.strip()
        if not item:
            continue
        if item.isdigit():
            ciks.add(int(item))
        elif item.upper() in by_ticker:
            ciks.add(by_ticker[item.upper()])
        else:
            unknown.append(item)
    if unknown:
        raise ValueError(
            f"EDGAR_WATCHLIST has tickers not in company_tickers.json: {', '.join(unknown)} "
            "(use the CIK for companies without a listed ticker)"
        )
    return ciks
