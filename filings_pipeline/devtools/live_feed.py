"""The mirror server's live parts: a release clock and the latest-filings Atom feed.

``ReleaseClock`` holds when each accession becomes public (wall-clock seconds). Before then the
mirror answers its documents with 404, leaves it out of the feed and out of its day's index,
like a filing SEC has not accepted yet. ``feed_rows`` reads a generated mirror's filings from
its submissions JSON; ``render_feed`` writes one page of the feed in EDGAR's format (compare
``fixtures/edgar/feeds/getcurrent_*.atom.xml``).
"""

from __future__ import annotations

import html
import json
import random
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from filings_pipeline.edgar.items import item_title

EASTERN = ZoneInfo("America/New_York")
ACCESSION_IN_PATH = re.compile(r"(\d{10})-?(\d{2})-?(\d{6})")


@dataclass(frozen=True)
class FeedRow:
    """One filing as the feed lists it."""

    accession: str
    cik: int
    company: str
    form: str
    filed: str  # YYYY-MM-DD
    accepted: datetime  # Eastern wall-clock time, tz-aware
    items: tuple[str, ...]
    size: int


def feed_rows(roots: Iterable[Path]) -> list[FeedRow]:
    """Every filing in the mirrors' submissions JSON (``data.sec.gov/submissions``)."""
    out: dict[str, FeedRow] = {}
    for root in roots:
        for path in sorted((Path(root) / "data.sec.gov" / "submissions").glob("CIK*.json")):
            data = json.loads(path.read_text("utf-8"))
            recent = data["filings"]["recent"]
            keys = list(recent)
            for values in zip(*recent.values(), strict=True):
                row = dict(zip(keys, values, strict=True))
                acc = row["accessionNumber"]
                # acceptanceDateTime ends in Z but is Eastern wall-clock time (reference §6)
                accepted = datetime.fromisoformat(row["acceptanceDateTime"][:19])
                out.setdefault(
                    acc,
                    FeedRow(
                        acc,
                        int(data["cik"]),
                        data["name"],
                        row["form"],
                        row["filingDate"],
                        accepted.replace(tzinfo=EASTERN),
                        tuple(i for i in (row.get("items") or "").split(",") if i),
                        int(row.get("size") or 0),
                    ),
                )
    return list(out.values())


class ReleaseClock:
    """When each scheduled accession becomes public; accessions not scheduled always are."""

    def __init__(self) -> None:
        self._at: dict[str, float] = {}
        self._lock = threading.Lock()

    def schedule(self, offsets: dict[str, float], t0: float | None = None) -> dict[str, float]:
        """Release each accession `offsets[acc]` seconds after `t0` (default now); returns the
        wall-clock release times."""
        start = time.time() if t0 is None else t0
        at = {acc: start + off for acc, off in offsets.items()}
        with self._lock:
            self._at.update(at)
        return at

    def released(self, accession: str, now: float | None = None) -> bool:
        with self._lock:
            when = self._at.get(accession)
        return when is None or when <= (time.time() if now is None else now)

    def release_time(self, accession: str) -> float | None:
        with self._lock:
            return self._at.get(accession)

    def hidden_in_path(self, path: str, now: float | None = None) -> bool:
        """Whether `path` names an accession (dashed or not) that is not released yet."""
        for m in ACCESSION_IN_PATH.finditer(path):
            if not self.released(f"{m[1]}-{m[2]}-{m[3]}", now):
                return True
        return False


def offsets_by_acceptance(rows: Iterable[FeedRow], factor: float) -> dict[str, float]:
    """Offsets that release each filing at its acceptance time, the day's clock run `factor`
    times faster, starting with the earliest (offset 0)."""
    rows = list(rows)
    if not rows:
        return {}
    first = min(r.accepted for r in rows)
    return {r.accession: (r.accepted - first).total_seconds() / factor for r in rows}


def random_offsets(accessions: Iterable[str], span_s: float, seed: int = 0) -> dict[str, float]:
    """Offsets spread uniformly at random over `span_s` seconds (reproducible by `seed`)."""
    rng = random.Random(seed)
    return {acc: rng.uniform(0.0, span_s) for acc in accessions}


def filter_index(content: bytes, clock: ReleaseClock, now: float | None = None) -> bytes:
    """A daily index without the rows of accessions not released yet."""
    lines = content.split(b"\n")
    kept = [ln for ln in lines if not clock.hidden_in_path(ln.decode("latin-1"), now)]
    return b"\n".join(kept)


def filter_submissions(content: bytes, clock: ReleaseClock, now: float | None = None) -> bytes:
    """A company's submissions JSON without the filings not released yet (their entries in
    every column of `filings.recent`); the bytes as they are when nothing is hidden."""
    try:
        data = json.loads(content)
        recent = data["filings"]["recent"]
        accessions = recent["accessionNumber"]
    except (ValueError, KeyError, TypeError):
        return content
    keep = [i for i, acc in enumerate(accessions) if clock.released(acc, now)]
    if len(keep) == len(accessions):
        return content
    data["filings"]["recent"] = {
        k: [v[i] for i in keep] if isinstance(v, list) and len(v) == len(accessions) else v
        for k, v in recent.items()
    }
    return json.dumps(data).encode()


def _title(row: FeedRow) -> str:
    return f"{row.form} - {row.company} ({row.cik:010d}) (Filer)"


def _size(n: int) -> str:
    return f"{max(1, n // 1024)} KB" if n < 1024 * 1024 else f"{n // (1024 * 1024)} MB"


def render_feed(rows: list[FeedRow], base_url: str, now: datetime) -> bytes:
    """One page of the latest-filings Atom feed (ISO-8859-1), entries in the order given."""
    stamp = now.astimezone(EASTERN)
    out = [
        '<?xml version="1.0" encoding="ISO-8859-1" ?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>Latest Filings - {stamp:%a, %d %b %Y %H:%M:%S} {stamp.tzname()}</title>",
        '<link rel="alternate" href="/cgi-bin/browse-edgar?action=getcurrent"/>',
        '<link rel="self" href="/cgi-bin/browse-edgar?action=getcurrent"/>',
        "<id>https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent</id>",
        "<author><name>Webmaster</name><email>webmaster@sec.gov</email></author>",
        f"<updated>{stamp.isoformat(timespec='seconds')}</updated>",
    ]
    for r in rows:
        nodash = r.accession.replace("-", "")
        href = f"{base_url}/Archives/edgar/data/{r.cik}/{nodash}/{r.accession}-index.htm"
        summary = (
            f" <b>Filed:</b> {r.filed} <b>AccNo:</b> {r.accession} <b>Size:</b> {_size(r.size)}\n"
            + "".join(f"<br>Item {code}: {html.escape(item_title(code))}\n" for code in r.items)
        )
        out += [
            "<entry>",
            f"<title>{escape(_title(r))}</title>",
            f'<link rel="alternate" type="text/html" href={quoteattr(href)}/>',
            f'<summary type="html">\n{escape(summary)}</summary>',
            f"<updated>{r.accepted.isoformat(timespec='seconds')}</updated>",
            f'<category scheme="https://www.sec.gov/" label="form type" term={quoteattr(r.form)}/>',
            f"<id>urn:tag:sec.gov,2008:accession-number={r.accession}</id>",
            "</entry>",
        ]
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("iso-8859-1", errors="xmlcharrefreplace")
