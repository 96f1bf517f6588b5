"""Where a number stands and what it is labelled: sentences, clauses, table rows.

The rules (the same for the filing and for an analysis's text, so they are easy to state):

- A text is cut into *units*: table rows (the text extraction renders a table row as one line
  ``cell | cell | cell``; plain-text tables, a line of words ending in numbers, count too) and
  sentences (prose lines joined into paragraphs, a bullet line a paragraph of its own, cut
  after ``.``/``!``/``?``).
- A sentence is cut into *clauses* at ``;``, at a comma followed by a space, and at "and",
  "while", "whereas", "but", "compared with/to", "versus".
- A number's *label* is the metric concepts (see `labels`) named in its clause; a clause that
  names none takes those of the nearest clause before it in the sentence, else the nearest one
  after it. A per-share amount in a clause with no metric is `eps`. A table row's label is the
  metric named in the row; a row naming none takes the one in its table's first row or the
  line just above the table.
- Qualifier concepts (`guidance`) and the content words of a unit (sentence, or row with its
  table's first row and the line above) are what a figure matches on when its own label names
  no metric.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from filings_pipeline.analysis.labels import LabelHit, ScannedText, content_words, find_labels

_ROW_END = re.compile(r"(?:^|\s)[(\-−$€£]*\(?\d[\d,.]*\)?%?\)?\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[^a-z\s])")
_BULLET = re.compile(r"^\s*[*•·▪◦‣\-–—]\s")
_CLAUSE_BREAK = re.compile(
    r";\s*|,\s+|\s+(?:and|while|whereas|but|versus|vs\.?|compared\s+(?:with|to))\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Label:
    """What a number is a number of: metric concepts, qualifiers, and the words around it."""

    metrics: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()  # the metric phrases as written ("total debt")
    qualifiers: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    prose: bool = False  # a claim in running text: its words are a sentence's, not a name

    @property
    def empty(self) -> bool:
        return not (self.metrics or self.qualifiers or self.words)

    def describe(self) -> str:
        """How a problem message names this label: 'revenue', or the words it was given."""
        if self.phrases:
            return "', '".join(dict.fromkeys(self.phrases))
        if self.qualifiers:
            return "', '".join(sorted(self.qualifiers))
        return " ".join(sorted(self.words))


@dataclass(slots=True)
class _Clause:
    start: int
    end: int
    hits: list[LabelHit]


@dataclass(slots=True)
class Unit:
    """A sentence or a table row, with the clauses it is cut into."""

    start: int
    end: int
    is_row: bool
    clause_starts: list[int] = field(default_factory=list)
    clause_ends: list[int] = field(default_factory=list)
    clause_metrics: list[tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=list)
    qualifiers: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()


def _is_row(line: str) -> bool:
    if " | " in line:
        return True
    s = line.strip()
    return (
        len(s) < 200
        and any(c.isalpha() for c in s[:1])
        and ". " not in s
        and not s.endswith((".", ":"))
        and bool(_ROW_END.search(s))
    )


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _metrics(hits: list[LabelHit]) -> tuple[frozenset[str], tuple[str, ...]]:
    metric = [h for h in hits if not h.qualifier]
    return frozenset(h.concept for h in metric), tuple(h.phrase for h in metric)


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    pos = start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    return spans or [(start, end)]


def _sentence_unit(text: str, scan: ScannedText, start: int, end: int) -> Unit:
    clauses = [_Clause(s, e, scan.labels(s, e)) for s, e in _clause_spans(text, start, end)]
    own = [_metrics(c.hits) for c in clauses]
    effective = []
    for i, (metrics, phrases) in enumerate(own):
        if not metrics:
            before = [own[j] for j in range(i - 1, -1, -1) if own[j][0]]
            after = [own[j] for j in range(i + 1, len(own)) if own[j][0]]
            metrics, phrases = (before or after or [(frozenset(), ())])[0]
        effective.append((metrics, phrases))
    hits = [h for c in clauses for h in c.hits]
    return Unit(
        start,
        end,
        False,
        [c.start for c in clauses],
        [c.end for c in clauses],
        effective,
        frozenset(h.concept for h in hits if h.qualifier),
        scan.words(start, end),
    )


def _row_unit(scan: ScannedText, start: int, end: int, context: list[tuple[int, int]]) -> Unit:
    hits = scan.labels(start, end)
    metrics, phrases = _metrics(hits)
    context_hits = [h for s, e in context for h in scan.labels(s, e)]
    if not metrics:
        metrics, phrases = _metrics(context_hits)
    words = scan.words(start, end).union(*(scan.words(s, e) for s, e in context))
    qualifiers = frozenset(h.concept for h in hits + context_hits if h.qualifier)
    return Unit(start, end, True, [start], [end], [(metrics, phrases)], qualifiers, words)


def segment(text: str) -> list[Unit]:
    """The text's units (sentences and table rows) in order, with their clauses labelled."""
    scan = ScannedText(text)
    units: list[Unit] = []
    paragraph: list[tuple[int, int]] = []
    table_head: tuple[int, int] | None = None
    label_line: tuple[int, int] | None = None  # the last short line of words
    heading: tuple[int, int] | None = None  # the last line ending with ":"
    caption: tuple[int, int] | None = None
    last_prose: tuple[int, int] | None = None

    def flush() -> None:
        nonlocal last_prose
        if not paragraph:
            return
        p_start, p_end = paragraph[0][0], paragraph[-1][1]
        pos = p_start
        for m in _SENTENCE_END.finditer(text, p_start, p_end):
            units.append(_sentence_unit(text, scan, pos, m.start() + 1))
            last_prose = (pos, m.start() + 1)
            pos = m.end()
        if pos < p_end:
            units.append(_sentence_unit(text, scan, pos, p_end))
            last_prose = (pos, p_end)
        paragraph.clear()

    for start, end in _lines(text):
        line = text[start:end]
        if not any(c.isalnum() for c in line):
            flush()  # blank lines and bullet marks end a paragraph
            continue
        if not any(c.isalpha() for c in line):
            flush()  # a value alone on its line: a table laid out one cell per line
            context = [c for c in (label_line, heading) if c is not None]
            units.append(_row_unit(scan, start, end, context))
            continue
        stripped = line.strip()
        if len(stripped) < 120 and not stripped.endswith("."):
            label_line = (start, end)
            if stripped.endswith(":"):
                heading = (start, end)
        if _is_row(line):
            flush()
            if table_head is None:
                table_head, caption = (start, end), last_prose
            context = [c for c in (table_head, caption) if c is not None and c != (start, end)]
            units.append(_row_unit(scan, start, end, context))
            continue
        table_head = None
        if _BULLET.match(line):
            flush()  # a bullet is a paragraph of its own
            paragraph.append((start, end))
            flush()
            continue
        paragraph.append((start, end))
    flush()
    return units


class LabelMap:
    """The label of any position of a text (see the module docstring for the rules)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.units = segment(text)
        self._starts = [u.start for u in self.units]

    def unit_at(self, pos: int) -> Unit | None:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0 or pos > self.units[i].end:
            return None
        return self.units[i]

    def label_at(self, pos: int, *, per_share: bool = False) -> Label:
        """The label of a number starting at `pos`."""
        unit = self.unit_at(pos)
        if unit is None:
            return Label()
        j = max(0, bisect.bisect_right(unit.clause_starts, pos) - 1)
        metrics, phrases = unit.clause_metrics[j]
        if not metrics and per_share:
            metrics, phrases = frozenset({"eps"}), ("per share",)
        return Label(metrics, phrases, unit.qualifiers, unit.words)

    def snippet(self, pos: int, width: int = 70) -> str:
        """The clause (or row) around `pos`, shortened, for problem messages."""
        unit = self.unit_at(pos)
        if unit is None:
            lo, hi = max(0, pos - width // 2), pos + width // 2
        else:
            j = max(0, bisect.bisect_right(unit.clause_starts, pos) - 1)
            lo, hi = unit.clause_starts[j], unit.clause_ends[j]
        s = " ".join(self.text[lo:hi].split())
        return s if len(s) <= width else s[: width - 1] + "…"


def label_of_name(name: str) -> Label:
    """The label a figure's name claims ("diluted EPS", "revenue outlook", "store count")."""
    hits = find_labels(name)
    metrics, phrases = _metrics(hits)
    return Label(
        metrics,
        phrases,
        frozenset(h.concept for h in hits if h.qualifier),
        content_words(name) if not hits else frozenset(),
    )


def supports(source: Label, claim: Label, *, spelled: bool = False) -> bool:
    """Does a number labelled `source` in the filing back a figure claimed as `claim`?

    A claim naming a metric needs one of its metrics in the source number's label; one naming
    only a qualifier needs it in the source unit. A figure's name naming neither needs one of
    its words in the source unit; so does a sentence naming neither, but only for a number the
    filing spells out (its digits back it anywhere). A claim with no label at all is backed by
    any digits.
    """
    if claim.metrics:
        return bool(claim.metrics & source.metrics)
    if claim.qualifiers:
        return bool(claim.qualifiers & source.qualifiers)
    if claim.prose and not spelled:
        return True
    if claim.words:
        return bool(claim.words & source.words)
    return True
