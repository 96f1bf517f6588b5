"""The figures check: every number an analysis states must appear in the filing's text.

`extract_numbers` finds money amounts, percentages and plain numbers (regexes + Decimal),
skipping dates, years, times, 8-K item codes, form names ("10-K") and identifiers ("S-3",
"COVID-19", "Item 5.02", "Exhibit 99.1"). `check_figures` compares the numbers in an
analysis's headline, summary, key points and figures with those in the source text, allowing
for formatting: "$1.2 billion" = "$1,200 million" = "1,200,000,000" = "1.2B"; "12.5%" =
"12.5 percent"; "(1.23)" = "-1.23" = "$(1.23)"; bare numbers under an "(in millions)" table
header; rounding of scaled amounts ("$1.3 billion" for "$1,312 million", within 5%).
Signs are not compared (prose says "a loss of $1.23" where a table says "(1.23)").
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from filings_pipeline.analysis.attribution import Label, LabelMap, label_of_name, supports
from filings_pipeline.analysis.labels import RATIO_CONCEPTS
from filings_pipeline.analysis.schema import Analysis
from filings_pipeline.analysis.text_prep import ITEM_CODES, word_list
from filings_pipeline.edgar.models import Filing

NumberKind = Literal["money", "percent", "number"]

_SCALES: dict[str, Decimal] = {
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "k": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "mm": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "b": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
}
ROUNDING_TOLERANCE = Decimal("0.05")

_NUMBER = re.compile(
    r"""
    (?P<lparen>\()?
    (?P<minus>[-−]\s?)?
    (?:(?P<cur>US\s?\$|\$|USD\s|€|£)[^\S\n]*)?
    (?P<lparen2>\()?
    (?P<minus2>[-−])?
    (?<![\w.,])
    (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)
    (?!\d|,\d|\.\d)
    (?P<rp1>\))?
    (?:
        [^\S\n]*(?P<pct>%|percent\b|per\s+cent\b|pct\b|percentage\s+points?\b)
      | \s*(?P<scale>trillion|billion|million|thousand)\b
      | (?P<abbr>bn|mn|mm|MM|B|M|K|k)(?![A-Za-z0-9])
      | \s*(?P<bps>basis\s+points?\b|bps\b)
      | (?P<mult>x)(?![A-Za-z0-9])
    )?
    (?P<rp2>\))?
    """,
    re.VERBOSE,
)

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MONTHS_UPPER = _MONTHS.upper()  # "MARCH 15, 2024" (the group syntax has no letters)
_DATE_PATTERNS = [
    re.compile(
        rf"\b(?:{_MONTHS}|{_MONTHS_UPPER})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    ),
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS}|{_MONTHS_UPPER})\.?(?:,?\s+\d{{4}})?\b"
    ),
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"),
]
_FORM_SUFFIX = re.compile(r"-(?:K|Q|F|KT|QT|K405|D|A|C|U)\b")
_LABEL_WORDS: frozenset[str] = frozenset(
    word_list(
        "item items exhibit exhibits ex section sections rule rules form forms no nos number "
        "regulation article schedule note notes part page chapter proposal annex file release "
        "act appendix registration"
    )
)
_IN_UNITS = re.compile(
    r"\bin\s+(thousands|millions|billions)\b|\$\s*\(?(000s?|000,000s?)\)?|\((000s?)\)", re.I
)
_NUMBER_WORDS: dict[str, int] = {
    w: i
    for i, w in enumerate(
        word_list(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
} | {
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)


@dataclass(slots=True)
class NumberMention:
    """One number as written in a text."""

    text: str  # exactly as written: text[start:end], e.g. "$1.2 billion", "(1.23)", "12.5%"
    start: int
    end: int
    number: Decimal  # the digits as written, unsigned and unscaled: 1.2
    value: Decimal  # signed and scaled: -1.23, 1200000000
    kind: NumberKind  # money ($, US$, USD, EUR, GBP), percent, or number
    scale: Decimal = Decimal(1)  # 10**9 for "billion"/"B"; 1 when no scale word
    decimals: int = 0  # digits after the decimal point as written
    negative: bool = False
    unit: str | None = None  # "USD", "%", "bps", "x", "EUR", "GBP"
    per_share: bool = False  # "$0.45 per diluted share"
    alt_values: tuple[Decimal, ...] = ()  # e.g. x10**6 for a bare number under "(in millions)"


@dataclass
class FigureCheck:
    """Result of checking an analysis's numbers against its filing."""

    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


def _masked_spans(text: str) -> tuple[list[int], list[int]]:
    """Disjoint sorted (starts, ends) of dates and times, whose digits are not quantities."""
    raw = sorted(span for pat in _DATE_PATTERNS for span in (m.span() for m in pat.finditer(text)))
    starts: list[int] = []
    ends: list[int] = []
    for s, e in raw:
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _masked(pos: int, masks: tuple[list[int], list[int]]) -> bool:
    starts, ends = masks
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and pos < ends[i]


def _unit_markers(text: str) -> tuple[list[int], list[Decimal]]:
    """Positions of table headers like "(in millions)" and the scale each one sets."""
    positions: list[int] = []
    scales: list[Decimal] = []
    for m in _IN_UNITS.finditer(text):
        word = (m.group(1) or m.group(2) or m.group(3) or "").lower()
        if word.startswith("thousand") or word in {"000", "000s"}:
            scale = _SCALES["thousand"]
        elif word.startswith(("million", "000,000")):
            scale = _SCALES["million"]
        else:
            scale = _SCALES["billion"]
        positions.append(m.start())
        scales.append(scale)
    return positions, scales


@dataclass
class _Context:
    text: str
    masks: tuple[list[int], list[int]]
    unit_pos: list[int]
    unit_scales: list[Decimal]


def _number_words(text: str) -> list[NumberMention]:
    """Spelled-out numbers ("three", "twenty") as plain-number mentions."""
    out = []
    for m in _NUMBER_WORD_RE.finditer(text):
        n = Decimal(_NUMBER_WORDS[m.group(1).lower()])
        out.append(NumberMention(m.group(0), m.start(), m.end(), n, n, "number"))
    return out


def extract_numbers(text: str, *, with_number_words: bool = False) -> list[NumberMention]:
    """All numbers in `text` that state a quantity (see the module docstring for what is skipped).

    With `with_number_words`, spelled-out numbers ("three", "twenty") are included as plain
    numbers too (the source side of the check uses this).
    """
    unit_pos, unit_scales = _unit_markers(text)
    ctx = _Context(text, _masked_spans(text), unit_pos, unit_scales)
    out: list[NumberMention] = []
    for m in _NUMBER.finditer(text):
        mention = _mention(ctx, m)
        if mention is not None:
            out.append(mention)
    if with_number_words:
        out += _number_words(text)
        out.sort(key=lambda x: x.start)
    return out


_RANGE_SCALE = re.compile(r"\s*(?:-|–|to)\s*\$?\s*[\d.,]+\s*(trillion|billion|million|thousand)\b")
_PER_SHARE_AFTER = re.compile(
    r"\s*(?:of\s+)?(?:per|a)\s+(?:basic\s+|diluted\s+|common\s+|class\s+\w\s+)*share", re.I
)
_PER_SHARE_BEFORE = re.compile(r"(?:per\s+(?:\w+\s+)?share|\bEPS)\b[^.$()]{0,20}$", re.I)


def _after_label(before: str) -> bool:
    """Does the text before a number end with a label word ("Item", "Exhibit", "No.", "#")?"""
    stripped = before.rstrip(" \t\xa0(")
    if stripped.endswith("#"):
        return True
    words = stripped.rsplit(None, 1)
    return bool(words) and words[-1].rstrip(".").lower() in _LABEL_WORDS


def _mention(ctx: _Context, m: re.Match[str]) -> NumberMention | None:
    text = ctx.text
    g = m.groupdict()
    raw = g["num"]
    num_s, num_e = m.span("num")
    if _masked(num_s, ctx.masks):
        return None

    # A sign glued to a word or digit is a hyphen: "S-3", "COVID-19" (identifiers, skipped)
    # or "10-12" (a range: re-read the digits without the sign).
    sign_group = "minus" if g["minus"] else ("minus2" if g["minus2"] else None)
    if sign_group:
        sign_pos = m.start(sign_group)
        prev = text[sign_pos - 1] if sign_pos > 0 else " "
        if prev.isalpha():
            return None
        run = re.search(r"[A-Za-z0-9]+$", text[max(0, sign_pos - 20) : sign_pos])
        if run and any(c.isalpha() for c in run.group(0)):
            return None  # "10b5-1", "14a-12"
        if prev.isdigit():
            again = _NUMBER.match(text, num_s)
            return _mention(ctx, again) if again and again.start("num") == num_s else None

    if _FORM_SUFFIX.match(text, num_e):
        return None  # form names: 10-K, 8-K, 20-F, 10-Q
    end = m.end()
    has_unit = bool(g["pct"] or g["scale"] or g["abbr"] or g["bps"] or g["mult"])
    if end < len(text) and (text[end].isalpha() or text[end] == "_") and not has_unit:
        return None  # "1st", "10b5", "3D"
    cur = g["cur"]
    if cur is None and _after_label(text[max(0, m.start() - 30) : num_s]):
        return None  # "Item 5.02", "Exhibit 99.1", "Section 13(a)", "Rule 425"
    if cur is None and not has_unit:
        if raw in ITEM_CODES:
            return None  # a bare 8-K item code such as "2.02"
        if len(raw) == 4 and raw.isdigit() and 1990 <= int(raw) <= 2100:
            return None  # a year standing alone

    number = Decimal(raw.replace(",", ""))
    decimals = len(raw.split(".", 1)[1]) if "." in raw else 0

    # Parentheses: balanced "(1.23)" / "$(1.23)" / "(12.5)%" mean negative; an unbalanced one
    # belongs to the prose around the number: "($4.57 per share)", "(2023 and 2022)".
    lparen = g["lparen"] or g["lparen2"]
    rparen = g["rp1"] or g["rp2"]
    start, stop = m.start(), m.end()
    negative = bool(sign_group)
    if lparen and rparen:
        negative = True
    else:
        if g["lparen"]:
            start = m.end("lparen")
        if g["rp2"]:
            stop = m.start("rp2")
        elif g["rp1"] and stop == m.end("rp1"):
            stop = m.start("rp1")

    scale = Decimal(1)
    kind: NumberKind = "number"
    unit: str | None = None
    if cur:
        kind = "money"
        unit = {"€": "EUR", "£": "GBP"}.get(cur.strip(), "USD")
    if g["pct"]:
        kind, unit = "percent", "%"
    elif g["scale"]:
        scale = _SCALES[g["scale"].lower()]
    elif g["abbr"]:
        scale = _SCALES[g["abbr"].lower()]
    elif g["bps"]:
        unit = "bps"
    elif g["mult"]:
        unit = "x"
    if kind != "percent" and scale == 1 and unit in (None, "USD", "EUR", "GBP"):
        rng = _RANGE_SCALE.match(text, stop)  # "$1.2 to $1.3 billion": borrow the scale
        if rng:
            scale = _SCALES[rng.group(1)]

    value = number * scale * (-1 if negative else 1)
    alts: tuple[Decimal, ...] = ()
    if scale == 1 and kind != "percent" and unit not in ("bps", "x") and ctx.unit_pos:
        i = bisect.bisect_right(ctx.unit_pos, start) - 1
        if i >= 0:
            alts = (number * ctx.unit_scales[i],)
    per_share = kind == "money" and bool(
        _PER_SHARE_AFTER.match(text, stop)
        or _PER_SHARE_BEFORE.search(text[max(0, start - 60) : start])
    )
    return NumberMention(
        text=text[start:stop],
        start=start,
        end=stop,
        number=number,
        value=value,
        kind=kind,
        scale=scale,
        decimals=decimals,
        negative=negative,
        unit=unit,
        per_share=per_share,
        alt_values=alts,
    )


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One number of the source text with the label it stands under."""

    mention: NumberMention
    label: Label
    spelled: bool  # a number word ("twelve"): counts only where the claim's label is


_PERCENT_AFTER = re.compile(r"[^\S\n]*(?:%|percent\b|per\s+cent\b)", re.IGNORECASE)


class SourceIndex:
    """The numbers of a source text, indexed for the comparisons check_figures allows, each
    with where it stands (its label: see `attribution`)."""

    def __init__(self, source_text: str) -> None:
        self.labels = LabelMap(source_text)
        self.occurrences: list[Occurrence] = []
        self.percents: dict[Decimal, list[int]] = defaultdict(list)
        self.amounts: dict[Decimal, list[int]] = defaultdict(list)
        self.digits: dict[Decimal, list[int]] = defaultdict(list)
        self.bare: dict[Decimal, list[int]] = defaultdict(list)
        words = {(n.start, n.end) for n in _number_words(source_text)}
        for n in extract_numbers(source_text, with_number_words=True):
            i = len(self.occurrences)
            label = self.labels.label_at(n.start, per_share=n.per_share)
            spelled = (n.start, n.end) in words
            self.occurrences.append(Occurrence(n, label, spelled))
            self.digits[n.number].append(i)
            if spelled:
                if _PERCENT_AFTER.match(source_text, n.end):
                    self.percents[n.value].append(i)  # "twelve percent"
                else:
                    self.amounts[n.value].append(i)
                continue
            if n.kind == "percent":
                self.percents[abs(n.value)].append(i)
                continue
            self.amounts[abs(n.value)].append(i)
            for a in n.alt_values:
                self.amounts[abs(a)].append(i)
            if n.kind == "number" and n.scale == 1 and n.unit is None and self._ratio(n, label):
                self.bare[n.number].append(i)
        self.sorted_amounts = sorted(self.amounts)

    def _ratio(self, n: NumberMention, label: Label) -> bool:
        """May bare number `n` be a percentage (a ratio row such as "Gross margin 62.4 61.0",
        or a sentence or row that writes "%" or "percent")?"""
        if label.metrics & RATIO_CONCEPTS:
            return True
        unit = self.labels.unit_at(n.start)
        if unit is None:
            return False
        text = self.labels.text[unit.start : unit.end]
        return "%" in text or "percent" in text.lower()

    def matches(self, a: NumberMention) -> list[Occurrence]:
        """The source numbers that mention `a` (from an analysis) may be quoting."""
        found: list[int] = []
        if a.kind == "percent":
            found = self.percents.get(abs(a.value), []) + self.bare.get(a.number, [])
        elif a.unit in ("bps", "x"):
            found = self.digits.get(a.number, [])
        else:
            found = list(self.amounts.get(abs(a.value), []))
            if a.kind == "number" and a.scale == 1:
                found += self.digits.get(a.number, [])
            elif a.scale != 1:
                found += self._rounds_to(a)
        return [self.occurrences[i] for i in dict.fromkeys(found)]

    def has(self, a: NumberMention) -> bool:
        """True if mention `a` (from an analysis) states a number found in the source."""
        return any(not o.spelled for o in self.matches(a))

    def _rounds_to(self, a: NumberMention) -> list[int]:
        """'$1.3 billion' for a source '$1,312 million': same value at the precision written."""
        target = abs(a.value)
        lo = bisect.bisect_left(self.sorted_amounts, target * (1 - ROUNDING_TOLERANCE))
        hi = bisect.bisect_right(self.sorted_amounts, target * (1 + ROUNDING_TOLERANCE))
        quantum = Decimal(1).scaleb(-a.decimals)
        out: list[int] = []
        for v in self.sorted_amounts[lo:hi]:
            if (v / a.scale).quantize(quantum, rounding=ROUND_HALF_UP) == a.number:
                out += self.amounts[v]
        return out

    def problem(self, a: NumberMention, claim: Label) -> str | None:
        """Why mention `a`, claimed under label `claim`, is not backed by the source (or None).

        Digits back any claim whose label they stand under; a number word only a claim that
        has a label. A claim with no label at all needs the digits somewhere in the source.
        """
        found = [o for o in self.matches(a) if not (o.spelled and claim.empty)]
        if not found:
            return f"'{a.text}' not found in the filing"
        if any(supports(o.label, claim, spelled=o.spelled) for o in found):
            return None
        near = [p for o in found if not o.spelled for p in o.label.phrases]
        places = [f"near '{', '.join(dict.fromkeys(near))}'".replace(", ", "', '")] if near else []
        for o in found:
            where = self.labels.snippet(o.mention.start)
            if o.spelled:
                places.append(f"as the word '{o.mention.text}' in '{where}'")
            elif not o.label.phrases:
                places.append(f"in '{where}'")
        places = list(dict.fromkeys(places))
        more = f" and {len(places) - 3} more places" if len(places) > 3 else ""
        return f"'{a.text}' found only {'; '.join(places[:3])}{more}, not near '{claim.describe()}'"


_UNIT_SCALE = re.compile(r"\b(trillion|billion|million|thousand|bn|mn|mm|k|m|b)s?\b", re.I)


def _figure_with_unit(value: str, unit: str | None) -> list[NumberMention]:
    """Mentions of a figure whose unit was given apart ("1.2" + "USD billions", "12.5" + "%")."""
    mentions = extract_numbers(value)
    if not unit or len(mentions) != 1:
        return []
    n = mentions[0]
    if n.scale != 1 or n.kind == "percent":
        return []
    if "%" in unit or "percent" in unit.lower():
        return [dataclasses.replace(n, kind="percent", unit="%")]
    sm = _UNIT_SCALE.search(unit)
    if sm:
        scale = _SCALES[sm.group(1).lower()]
        return [dataclasses.replace(n, scale=scale, value=n.value * scale, kind="money")]
    return []


def check_figures(analysis: Analysis, source_text: str) -> FigureCheck:
    """Every number in the headline, summary, key points and figures must be in the source,
    under the label the analysis gives it.

    `source_text` is the filing's text plus its exhibits' texts (see `filing_source_text`).
    A number in prose is labelled by its clause (see `attribution`), a figure by its name;
    it passes when the filing has the number where that label stands (same clause or table
    row). Problems read like "headline: '$1.3 billion' not found in the filing" or
    "summary: '$1.9 billion' found only near 'debt', not near 'revenue'".
    """
    return check_with_index(analysis, SourceIndex(source_text))


def check_with_index(analysis: Analysis, index: SourceIndex) -> FigureCheck:
    """`check_figures` against an already indexed source (to check many analyses of one)."""
    fields: list[tuple[str, str]] = [("headline", analysis.headline), ("summary", analysis.summary)]
    fields += [(f"key_points[{i}]", p) for i, p in enumerate(analysis.key_points)]
    problems: list[str] = []
    checked = 0
    for label, text in fields:
        claims = LabelMap(text)
        for n in extract_numbers(text):
            checked += 1
            claim = dataclasses.replace(claims.label_at(n.start, per_share=n.per_share), prose=True)
            problem = index.problem(n, claim)
            if problem:
                problems.append(f"{label}: {problem}")
    for i, fig in enumerate(analysis.figures):
        label = f"figures[{i}] ({fig.name})"
        claim = label_of_name(fig.name)
        alternatives = _figure_with_unit(fig.value, fig.unit)
        for j, n in enumerate(extract_numbers(fig.value)):
            checked += 1
            problem = index.problem(n, claim)
            with_unit = alternatives[j] if j < len(alternatives) else None
            if problem and with_unit is not None and index.problem(with_unit, claim) is None:
                problem = None
            if problem:
                problems.append(f"{label}: {problem}")
    problems = list(dict.fromkeys(problems))
    return FigureCheck(ok=not problems, checked=checked, problems=problems)


def filing_source_text(filing: Filing) -> str:
    """The text figures are checked against: the primary document plus every exhibit's text."""
    parts = [filing.text] + [e.text for e in filing.exhibits if e.text]
    return "\n\n".join(parts)


def check_filing_figures(analysis: Analysis, filing: Filing) -> FigureCheck:
    """`check_figures` against `filing_source_text(filing)`."""
    return check_figures(analysis, filing_source_text(filing))
