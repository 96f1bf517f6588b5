"""The offline analyzer: a deterministic, extractive analysis (no model, no network).

Every field is mechanical and traceable to a rule: the headline is company + primary item,
the summary and key points are sentences copied from the filing (TF-IDF selection after
boilerplate stripping), sentiment comes from a small finance lexicon, materiality and
event type from item tables, figures are amounts quoted verbatim from the chosen sentences.
The site labels it "Offline extractive summary" from `analyzer == "offline"`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from pydantic import ValidationError

from filings_pipeline.analysis.attribution import LabelMap, label_of_name
from filings_pipeline.analysis.figures import NumberMention, extract_numbers, filing_source_text
from filings_pipeline.analysis.schema import Analysis, AnalysisOutcome, EventType, Figure
from filings_pipeline.analysis.text_prep import (
    ITEM_TITLES,
    MAX_SOURCE_CHARS,
    find_mdna,
    is_content_sentence,
    select_sentences,
    split_sentences,
    strip_boilerplate,
    word_list,
)
from filings_pipeline.edgar.models import Filing

MIN_TEXT_CHARS = 80
HEADLINE_MAX = 140
SUMMARY_MAX = 1500
SUMMARY_SENTENCES = 3
MAX_KEY_POINTS = 5
MAX_FIGURES = 12

# Headline verb phrases per 8-K item ("<company> <phrase> (Item x.xx)").
ITEM_HEADLINES: dict[str, str] = {
    "1.01": "enters into a material definitive agreement",
    "1.02": "terminates a material definitive agreement",
    "1.03": "reports bankruptcy or receivership",
    "1.04": "reports mine safety shutdowns or violations",
    "1.05": "reports a material cybersecurity incident",
    "2.01": "completes an acquisition or disposition of assets",
    "2.02": "reports results of operations",
    "2.03": "creates a direct financial obligation",
    "2.04": "reports events accelerating a financial obligation",
    "2.05": "reports costs of exit or disposal activities",
    "2.06": "reports material impairments",
    "3.01": "reports a delisting notice or listing transfer",
    "3.02": "reports unregistered sales of equity securities",
    "3.03": "reports a modification to security holders' rights",
    "4.01": "reports a change of certifying accountant",
    "4.02": "reports non-reliance on previously issued financial statements",
    "5.01": "reports a change in control",
    "5.02": "reports director or officer changes",
    "5.03": "amends its articles of incorporation or bylaws",
    "5.04": "suspends trading under employee benefit plans",
    "5.05": "amends or waives its code of ethics",
    "5.06": "reports a change in shell company status",
    "5.07": "reports results of a shareholder vote",
    "5.08": "sets shareholder director nomination dates",
    "7.01": "makes a Regulation FD disclosure",
    "8.01": "reports other events",
    "9.01": "files financial statements and exhibits",
}
PERIODIC_HEADLINES: dict[str, str] = {
    "10-K": "files annual report",
    "10-KT": "files transition annual report",
    "10-Q": "files quarterly report",
    "10-QT": "files transition quarterly report",
    "20-F": "files annual report",
    "40-F": "files annual report",
}

# Materiality weights (1-5): the rule table the rationale names.
ITEM_WEIGHTS: dict[str, int] = {
    "1.03": 5,
    "4.02": 5,
    "1.05": 5,
    "5.01": 5,
    "1.01": 4,
    "2.01": 4,
    "2.02": 4,
    "5.02": 4,
    "2.04": 4,
    "2.06": 4,
    "3.01": 4,
    "1.02": 3,
    "2.03": 3,
    "2.05": 3,
    "3.02": 3,
    "3.03": 3,
    "4.01": 3,
    "5.07": 3,
    "7.01": 3,
    "8.01": 3,
    "5.03": 2,
    "5.04": 2,
    "5.05": 2,
    "5.06": 2,
    "5.08": 2,
    "1.04": 2,
    "9.01": 1,
}
PERIODIC_WEIGHT = 3
DEFAULT_ITEM_WEIGHT = 2  # ABS (6.xx) and unknown items
UNKNOWN_FORM_WEIGHT = 2
WEIGHT_LABELS = {5: "critical", 4: "high", 3: "medium", 2: "low", 1: "minimal"}

# Event type by item, in priority order (first match wins when several items are present).
EVENT_BY_ITEM: tuple[tuple[str, EventType], ...] = (
    ("4.02", "restatement"),
    ("1.05", "cybersecurity"),
    ("2.01", "m_and_a"),
    ("1.01", "m_and_a"),
    ("2.02", "earnings"),
    ("5.02", "leadership_change"),
    ("2.03", "financing"),
    ("3.02", "financing"),
    ("5.07", "shareholder_vote"),
)
_EVENT_PRIORITY = {code: i for i, (code, _) in enumerate(EVENT_BY_ITEM)}

# Sentiment lexicon (lower-case word forms). Transparent on purpose: count hits, nothing else.
POSITIVE_WORDS: frozenset[str] = frozenset(
    word_list(
        "increase increased increases increasing growth grew grow grows growing record "
        "records exceeded exceed exceeds exceeding strong stronger strongest improved "
        "improve improves improvement improving higher gain gains profitable profitability "
        "raised raising expanded expansion outperformed surpassed accelerated momentum "
        "robust upgrade upgraded success successful achieved favorable rose rise rising "
        "beat beats exceptional gained"
    )
)
NEGATIVE_WORDS: frozenset[str] = frozenset(
    word_list(
        "decline declined declines declining decrease decreased decreases decreasing loss "
        "losses impairment impairments restatement restate restated breach breached "
        "resigned resign resignation terminated termination terminate default defaulted "
        "bankruptcy lawsuit litigation investigation weak weaker weakness lower fell fall "
        "falling drop dropped deficit shortfall adverse adversely delisting delinquent "
        "downgrade downgraded unfavorable missed layoffs restructuring write-down writedown "
        "penalty penalties fraud suspended suspension ransomware unauthorized dispute "
        "non-reliance noncompliance deficiency deficiencies"
    )
)
_NEGATORS = frozenset(word_list("not no never without neither nor"))
# Items whose mere presence tilts the tone negative (added to the lexicon score).
NEGATIVE_ITEMS: frozenset[str] = frozenset(word_list("1.03 1.05 2.04 2.05 2.06 3.01 4.02"))
NEGATIVE_ITEM_TILT = -0.3
SENTIMENT_THRESHOLD = 0.15
# Phrases where a lexicon word carries no tone ("stockholders of record", "record date").
_NOT_SENTIMENT = re.compile(r"\bof record\b|\brecord dates?\b|\bloss per share\b|\bgain or loss\b")
_SENTIMENT_TOKEN = re.compile(r"[a-z][a-z-]*[a-z]")

# Names for figures, searched in the words before an amount (longest phrases first).
METRIC_NAMES: tuple[str, ...] = tuple(
    sorted(
        (
            "revenue",
            "revenues",
            "total revenue",
            "net revenue",
            "net sales",
            "sales",
            "net income",
            "net loss",
            "operating income",
            "operating loss",
            "gross margin",
            "gross profit",
            "operating margin",
            "earnings per share",
            "diluted earnings per share",
            "loss per share",
            "eps",
            "free cash flow",
            "cash flows from operations",
            "operating cash flow",
            "ebitda",
            "adjusted ebitda",
            "dividend",
            "total assets",
            "total deposits",
            "deposits",
            "loans",
            "debt",
            "cash and cash equivalents",
            "cash",
            "backlog",
            "arr",
            "annualized recurring revenue",
            "remaining performance obligations",
            "rpo",
            "book value",
            "base salary",
            "salary",
            "bonus",
            "target bonus",
            "purchase price",
            "consideration",
            "principal amount",
            "aggregate principal amount",
            "notes",
            "credit facility",
            "term loan",
            "shares",
            "tax rate",
            "repurchase",
            "buyback",
            "guidance",
            "subscription revenue",
            "segment revenue",
        ),
        key=lambda s: (-len(s), s),
    )
)
_METRIC_RE = re.compile(r"\b(" + "|".join(re.escape(m) for m in METRIC_NAMES) + r")\b", re.I)
_CHANGE_AFTER = re.compile(
    r"\s*(?:year[- ]over[- ]year\s+)?(growth|increase|decrease|decline)", re.I
)
_STATE_SUFFIX = re.compile(r"\s*/[A-Z]{2,3}/?\s*$")


@dataclass
class _Source:
    label: str
    sentences: list[str]  # content sentences only, in document order


class OfflineAnalyzer:
    """Deterministic extractive analyzer; implements the `Analyzer` protocol."""

    name = "offline"
    model = "offline-extractive-v1"
    prompt_version = "offline-1"

    def analyze(self, filing: Filing) -> AnalysisOutcome:
        """Analyze one filing. Never raises: a bad or empty filing gives an outcome with error."""
        t0 = time.perf_counter()
        try:
            analysis, error = _analyze(filing), None
        except _NoContent as exc:
            analysis, error = None, str(exc)
        except ValidationError as exc:
            analysis, error = None, f"offline analysis failed schema validation: {exc}"
        except Exception as exc:  # noqa: BLE001 - the protocol says never raise
            analysis, error = None, f"offline analyzer error: {type(exc).__name__}: {exc}"
        latency = int((time.perf_counter() - t0) * 1000)
        return AnalysisOutcome(analysis=analysis, error=error, latency_ms=latency)


class _NoContent(Exception):
    """The filing has too little text to summarise."""


def _analyze(filing: Filing) -> Analysis:
    total = len(filing.text.strip()) + sum(len(e.text.strip()) for e in filing.exhibits)
    if total < MIN_TEXT_CHARS:
        raise _NoContent(
            f"text too short for an offline summary ({total} characters in document and exhibits)"
        )
    source = _choose_source(filing)
    if not source.sentences:
        raise _NoContent("no prose sentences found to extract a summary from")

    items = list(filing.items)
    primary = _primary_item(items)
    ranked = select_sentences(source.sentences, SUMMARY_SENTENCES + MAX_KEY_POINTS)
    summary_idx = sorted(ranked[:SUMMARY_SENTENCES])
    summary_sents = [source.sentences[i] for i in summary_idx]
    while len(summary_sents) > 1 and len(" ".join(summary_sents)) > SUMMARY_MAX:
        summary_sents.pop()
    summary = " ".join(summary_sents)
    if len(summary) < 20:
        raise _NoContent("no prose sentences long enough for a summary")

    key_points = _key_points(items, source, ranked, summary_sents)
    sentiment, score = _sentiment(source.sentences, items)
    materiality, rationale = _materiality(filing.form, items)
    figures = _figures(
        summary_sents + [p for p in key_points if p not in summary_sents],
        filing_source_text(filing),
    )
    return Analysis(
        headline=_headline(filing, primary),
        summary=summary,
        key_points=key_points,
        sentiment=sentiment,
        sentiment_score=score,
        materiality=materiality,
        materiality_rationale=rationale,
        event_type=_event_type(filing.form, items),
        items=items,
        tickers=list(filing.tickers),
        figures=figures,
    )


def _base_form(form: str) -> str:
    return form.upper().strip().removesuffix("/A")


def _exhibit_rank(ex_type: str) -> tuple[int, str]:
    t = ex_type.upper()
    return (0 if t == "EX-99.1" else 1, t)


def _choose_source(filing: Filing) -> _Source:
    """The most relevant text: EX-99 for 2.02/7.01, else item sections, else the document."""
    items = filing.items
    ex99 = sorted(
        (e for e in filing.exhibits if e.type.upper().startswith("EX-99") and e.text.strip()),
        key=lambda e: _exhibit_rank(e.type),
    )
    candidates: list[tuple[str, str]] = []
    if {"2.02", "7.01"} & set(items):
        candidates += [(e.type, e.text) for e in ex99]
    section_codes = [c for c in items if c in filing.sections and c != "9.01"]
    section_codes += [c for c in filing.sections if c not in section_codes and c != "9.01"]
    if section_codes:
        candidates.append(("sections", "\n\n".join(filing.sections[c] for c in section_codes)))
    if _base_form(filing.form) in PERIODIC_HEADLINES:
        mdna = find_mdna(filing.text)
        if mdna:
            candidates.append(("md&a", mdna))
    candidates.append(("document", filing.text))
    candidates += [(e.type, e.text) for e in ex99 if (e.type, e.text) not in candidates]

    best: _Source | None = None
    for label, text in candidates:
        cleaned = strip_boilerplate(text[:MAX_SOURCE_CHARS])
        sentences = [s for s in split_sentences(cleaned) if is_content_sentence(s)]
        src = _Source(label, sentences)
        if len(sentences) >= 2:
            return src
        if best is None or len(sentences) > len(best.sentences):
            best = src
    return best if best is not None else _Source("document", [])


def _primary_item(items: list[str]) -> str | None:
    """The item the headline and event type lead with: highest weight, then event priority."""
    substantive = [c for c in items if c != "9.01"] or list(items)
    if not substantive:
        return None
    return min(
        substantive,
        key=lambda c: (
            -ITEM_WEIGHTS.get(c, DEFAULT_ITEM_WEIGHT),
            _EVENT_PRIORITY.get(c, len(_EVENT_PRIORITY)),
            c,
        ),
    )


def _company(filing: Filing) -> str:
    name = _STATE_SUFFIX.sub("", filing.company.strip()) or f"CIK {filing.cik}"
    return " ".join(name.split())


def _headline(filing: Filing, primary: str | None) -> str:
    form = _base_form(filing.form)
    if form in PERIODIC_HEADLINES:
        tail = f"{PERIODIC_HEADLINES[form]} ({filing.form.strip()})"
    elif primary is not None:
        phrase = ITEM_HEADLINES.get(primary, "reports " + ITEM_TITLES.get(primary, "an event"))
        tail = f"{phrase} (Item {primary})"
    elif form.startswith("8-K"):
        tail = f"files a current report ({filing.form.strip()})"
    else:
        tail = f"files a {filing.form.strip() or 'filing'}"
    company = _company(filing)
    room = HEADLINE_MAX - len(tail) - 1
    if len(company) > room:
        company = company[: max(room - 1, 1)].rstrip() + "…"
    return f"{company} {tail}"


def _key_points(
    items: list[str], source: _Source, ranked: list[int], summary_sents: list[str]
) -> list[str]:
    """Item lines first ("Item 5.02: Departure of ..."), then extracted sentences, 3-5 in all."""
    shown = [c for c in items if c != "9.01"] or list(items)
    points = [f"Item {c}: {ITEM_TITLES.get(c, 'Unlisted item')}" for c in shown][:3]
    extra = [source.sentences[i] for i in sorted(ranked[SUMMARY_SENTENCES:])]
    for s in extra + summary_sents:
        if len(points) >= MAX_KEY_POINTS:
            break
        if s not in points and (len(points) < 3 or s not in summary_sents):
            points.append(s)
    return points


def _sentiment(sentences: list[str], items: list[str]) -> tuple[str, float]:
    """Lexicon count: (positive - negative) / max(hits, 4), a negator within 3 words flips a
    hit, plus a fixed tilt for adverse items; positive/negative beyond +/-0.15."""
    pos = neg = 0
    for s in sentences:
        tokens = _SENTIMENT_TOKEN.findall(_NOT_SENTIMENT.sub(" ", s.lower()))
        for i, tok in enumerate(tokens):
            polarity = 1 if tok in POSITIVE_WORDS else -1 if tok in NEGATIVE_WORDS else 0
            if not polarity:
                continue
            if _NEGATORS & set(tokens[max(0, i - 3) : i]):
                polarity = -polarity
            if polarity > 0:
                pos += 1
            else:
                neg += 1
    score = (pos - neg) / max(pos + neg, 4)
    if NEGATIVE_ITEMS & set(items):
        score += NEGATIVE_ITEM_TILT
    score = round(max(-1.0, min(1.0, score)), 3)
    if score >= SENTIMENT_THRESHOLD:
        return "positive", score
    if score <= -SENTIMENT_THRESHOLD:
        return "negative", score
    return "neutral", score


def _materiality(form: str, items: list[str]) -> tuple[int, str]:
    base = _base_form(form)
    if base in PERIODIC_HEADLINES:
        w = PERIODIC_WEIGHT
        return w, f"Rule: periodic report {base} is weighted {w} ({WEIGHT_LABELS[w]})."
    if items:
        primary = _primary_item(items)
        assert primary is not None
        w = ITEM_WEIGHTS.get(primary, DEFAULT_ITEM_WEIGHT)
        title = ITEM_TITLES.get(primary, "unlisted item")
        return w, (
            f"Rule: highest item weight - Item {primary} ({title}) is weighted {w} "
            f"({WEIGHT_LABELS[w]}) in the offline item-weight table."
        )[:500]
    w = UNKNOWN_FORM_WEIGHT
    return w, f"Rule: form {base or 'unknown'} with no item codes is weighted {w} (low)."


def _event_type(form: str, items: list[str]) -> EventType:
    for code, event in EVENT_BY_ITEM:
        if code in items:
            return event
    if _base_form(form) in PERIODIC_HEADLINES:
        return "periodic_report"
    return "other"


def _as_written(value: str, raw_source: str) -> str:
    """The value exactly as the raw filing text writes it: sentences are whitespace-normalised,
    but a figure must be a substring of the filing (an NBSP, or a line break if every
    occurrence has one, is kept as written)."""
    if value in raw_source:
        return value
    pattern = re.compile(r"\s+".join(re.escape(part) for part in value.split()))
    found = [m.group(0) for m in pattern.finditer(raw_source) if len(m.group(0)) <= 60]
    one_line = [f for f in found if "\n" not in f]
    return (one_line or found or [value])[0]


def _figures(sentences: list[str], raw_source: str) -> list[Figure]:
    """Money amounts, percentages and scaled amounts, quoted verbatim from the sentences."""
    out: list[Figure] = []
    seen: set[str] = set()
    for s in sentences:
        for n in extract_numbers(s):
            if n.kind == "number" and n.scale == 1:
                continue
            if n.text in seen or len(n.text) > 60:
                continue
            seen.add(n.text)
            value = _as_written(n.text, raw_source)
            out.append(Figure(name=_figure_name(s, n), value=value, unit=_figure_unit(n)))
            if len(out) >= MAX_FIGURES:
                return out
    return out


def _figure_unit(n: NumberMention) -> str | None:
    if n.kind == "percent":
        return "%"
    if n.kind == "money":
        return f"{n.unit} per share" if n.per_share else n.unit
    return None


def nearest_metric_name(sentence: str, n: NumberMention) -> str:
    """The metric named nearest before the amount (same sentence), else the first one after."""
    window = sentence[max(0, n.start - 100) : n.start]
    found = list(_METRIC_RE.finditer(window))
    name = found[-1].group(1).lower() if found else ""
    if not name:
        after = _METRIC_RE.search(sentence, n.end, min(len(sentence), n.end + 40))
        name = after.group(1).lower() if after else ""
    return name


def _figure_name(sentence: str, n: NumberMention) -> str:
    """The amount's metric: the nearest one named before it, unless its clause names another
    (then the clause's, as the figures check attributes it), else a generic label."""
    name = nearest_metric_name(sentence, n)
    label = LabelMap(sentence).label_at(n.start, per_share=n.per_share)
    if label.phrases and not (label_of_name(name).metrics & label.metrics):
        name = label.phrases[0]
    if n.kind == "percent":
        change = _CHANGE_AFTER.match(sentence, n.end)
        if change:
            word = change.group(1).lower()
            name = f"{name} {word}".strip()
        return name or "percentage"
    if n.per_share and "share" not in name:
        name = f"{name} per share".strip() if name else "per-share amount"
    return name or "amount"
