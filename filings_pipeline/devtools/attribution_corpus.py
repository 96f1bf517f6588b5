"""A corpus of true and planted figure attributions over real filing texts, and its scores.

*True claims* come from the filings themselves, by procedures other than the check's own
clause rules:

- ``table``: a table row ``label | value | value``: the first cell names each value;
- ``prose``: each money amount or percentage of a sentence, named by the nearest metric
  phrase before it within 100 characters (``offline.nearest_metric_name``; "per share" added
  to per-share amounts);
- ``offline`` / ``bedrock-standin``: the figures and texts of the offline analyzer's analysis
  and of the local Converse server's deterministic answer;
- each named figure also as a sentence, ``"<name> was <value>."``.

*Plants* (misattributions), each with the value(s) that must be flagged:

- ``swap``: a value from a different metric under this metric's name, as a figure and as a
  sentence (only when the value appears nowhere within 200 characters after a phrase of the
  claimed metric, so it really is not that metric's);
- ``percent``: the same with percentages;
- ``compound``: the issue's "<metric> collapsed <p> to <v>" with p and v both from others;
- ``number-word``: "<metric> rose <N>%." where N is in the filing as a word ("twelve") away
  from that metric, and not as digits near it either.

`score` runs `check_figures` on each claim: a true claim *held* when any problem names it; a
plant *caught* when every planted value is named in a problem.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from filings_pipeline.analysis.figures import (
    _NUMBER_WORDS,
    NumberMention,
    SourceIndex,
    check_with_index,
    extract_numbers,
    filing_source_text,
)
from filings_pipeline.analysis.labels import QUALIFIERS, find_labels
from filings_pipeline.analysis.offline import OfflineAnalyzer, nearest_metric_name
from filings_pipeline.analysis.schema import Analysis, Figure
from filings_pipeline.analysis.text_prep import split_sentences
from filings_pipeline.devtools.converse_server import build_answer
from filings_pipeline.edgar.models import Exhibit, Filing
from filings_pipeline.edgar.submission import parse_submission
from filings_pipeline.edgar.text import document_to_text

PLANTS_PER_KIND = 12  # per filing and plant kind, at most
TRUE_PER_SOURCE = 100  # per filing and true-claim source, at most
_NEUTRAL = "The filing was reviewed for this article."  # pads a summary to the schema minimum


@dataclass(frozen=True)
class Claim:
    """One analysis to check, and the values in it that must (plant) or must not be flagged."""

    filing: str
    kind: str  # "true:<source>" or "plant:<kind>"
    analysis: Analysis
    values: tuple[str, ...]  # as written in the analysis

    @property
    def planted(self) -> bool:
        return self.kind.startswith("plant:")


@dataclass
class Score:
    """What `score` found: counts per kind, and examples of misses and false holds."""

    true_claims: int = 0
    held: int = 0
    plants: int = 0
    caught: int = 0
    caught_as_not_found: int = 0  # what an existence-only check also catches
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [n, flagged]
    missed: list[str] = field(default_factory=list)
    false_holds: list[str] = field(default_factory=list)

    @property
    def catch_rate(self) -> float:
        return self.caught / self.plants if self.plants else 0.0

    @property
    def hold_rate(self) -> float:
        return self.held / self.true_claims if self.true_claims else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "true_claims": self.true_claims,
            "true_claims_held": self.held,
            "false_hold_rate": round(self.hold_rate, 4),
            "plants": self.plants,
            "plants_caught": self.caught,
            "catch_rate": round(self.catch_rate, 4),
            "plants_an_existence_check_catches": self.caught_as_not_found,
            "by_kind": {k: {"n": n, "flagged": f} for k, (n, f) in sorted(self.by_kind.items())},
            "missed_examples": self.missed[:15],
            "false_hold_examples": self.false_holds[:15],
        }


def _analysis(summary: str = "", figures: list[Figure] | None = None) -> Analysis:
    text = f"{summary} {_NEUTRAL}".strip()
    return Analysis(
        headline="Filing analysis for the attribution corpus",
        summary=text[:1500],
        key_points=[_NEUTRAL],
        sentiment="neutral",
        sentiment_score=0.0,
        materiality=3,
        event_type="other",
        figures=figures or [],
    )


def _metric_of(name: str) -> str | None:
    hits = [h for h in find_labels(name) if h.concept not in QUALIFIERS]
    return hits[-1].concept if hits else None


def _cell_values(cell: str) -> list[NumberMention]:
    found = [n for n in extract_numbers(cell) if n.kind != "number" or n.number >= 10]
    return found if len(found) == 1 else []


def _table_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split(" | ")]
        if len(cells) < 2 or not re.search(r"[A-Za-z]{3}", cells[0]) or extract_numbers(cells[0]):
            continue
        name = cells[0][:100]
        if _metric_of(name) is None:
            continue
        for cell in cells[1:]:
            for n in _cell_values(cell):
                pairs.append((name, n.text))
    return pairs


def _prose_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for s in split_sentences(text):
        if " | " in s:
            continue
        for n in extract_numbers(s):
            if n.kind == "number" or len(n.text) > 60:
                continue
            name = nearest_metric_name(s, n)
            if n.per_share and "share" not in name:
                name = f"{name} per share"  # the offline analyzer's convention
            if _metric_of(name) is not None:
                pairs.append((name, n.text))
    return pairs


class _Windows:
    """The 200 characters after each metric phrase of a text, per metric."""

    def __init__(self, text: str, window: int = 200) -> None:
        self.after: dict[str, list[str]] = {}
        for h in find_labels(text):
            self.after.setdefault(h.concept, []).append(text[h.end : h.end + window])

    def near(self, value: str, metric: str) -> bool:
        """Does `value` appear within the window after a phrase of `metric`?"""
        return any(value in w for w in self.after.get(metric, []))


def _sample(rng: random.Random, items: list, k: int) -> list:
    return items if len(items) <= k else rng.sample(items, k)


def true_claims(name: str, filing: Filing, rng: random.Random) -> list[Claim]:
    """True claims for one filing (see the module docstring)."""
    source = filing_source_text(filing)
    out: list[Claim] = []
    named: dict[str, list[tuple[str, str]]] = {
        "table": _table_pairs(source),
        "prose": _prose_pairs(source),
    }
    offline = OfflineAnalyzer().analyze(filing).analysis
    if offline is not None:
        out.append(Claim(name, "true:offline", offline, ()))
    standin = Analysis.model_validate(build_answer(f"Company: {filing.company}\n\n{source}"))
    out.append(Claim(name, "true:bedrock-standin", standin, ()))
    for src, pairs in named.items():
        for label, value in _sample(rng, sorted(set(pairs)), TRUE_PER_SOURCE):
            fig = _analysis(figures=[Figure(name=label, value=value)])
            out.append(Claim(name, f"true:{src}", fig, (value,)))
            sentence = _analysis(f"{label[:1].upper()}{label[1:]} was {value}.")
            out.append(Claim(name, f"true:{src}-sentence", sentence, (value,)))
    return out


def plants(name: str, filing: Filing, rng: random.Random) -> list[Claim]:
    """Planted misattributions for one filing (see the module docstring)."""
    source = filing_source_text(filing)
    pairs = sorted(set(_table_pairs(source) + _prose_pairs(source)))
    windows = _Windows(source)
    by_metric: dict[str, set[str]] = {}
    for label, value in pairs:
        by_metric.setdefault(_metric_of(label) or "", set()).add(value)
    out: list[Claim] = []
    metric_of = {label: _metric_of(label) for label, _ in pairs}
    names = sorted({label for label, _ in pairs})
    values = sorted({(metric_of[label], value) for label, value in pairs})
    swaps: list[tuple[str, str, bool]] = []
    for label in _sample(rng, names, 3 * PLANTS_PER_KIND):
        metric = metric_of[label]
        for other, value in values:
            if metric is None or other in (metric, None):
                continue
            if value in by_metric.get(metric, set()) or windows.near(value, metric):
                continue
            swaps.append((label, value, "%" in value or "percent" in value))
    swaps = sorted(set(swaps))
    for kind, percent in (("swap", False), ("percent", True)):
        chosen = _sample(rng, [s for s in swaps if s[2] == percent], PLANTS_PER_KIND)
        for label, value, _ in chosen:
            fig = _analysis(figures=[Figure(name=label, value=value)])
            out.append(Claim(name, f"plant:{kind}", fig, (value,)))
            text = _analysis(f"{label[:1].upper()}{label[1:]} was {value}.")
            out.append(Claim(name, f"plant:{kind}-sentence", text, (value,)))
    amounts = [s for s in swaps if not s[2]]
    percents = [s for s in swaps if s[2]]
    for label, amount, _ in _sample(rng, amounts, PLANTS_PER_KIND):
        metric = _metric_of(label)
        fits = [p for lbl, p, _ in percents if _metric_of(lbl) == metric]
        if fits:
            pct = rng.choice(sorted(fits))
            text = _analysis(f"{label[:1].upper()}{label[1:]} collapsed {pct} to {amount}.")
            out.append(Claim(name, "plant:compound", text, (pct, amount)))
    out += _number_word_plants(name, source, windows, sorted(by_metric.keys() - {""}), rng)
    return out


def _number_word_plants(
    name: str, source: str, windows: _Windows, metrics: list[str], rng: random.Random
) -> list[Claim]:
    words = sorted(
        {
            m.group(1).lower()
            for m in re.finditer(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", source, re.I)
        }
    )
    phrase = {h.concept: h.phrase for h in find_labels(source)}
    out = []
    candidates = []
    for word in words:
        value = _NUMBER_WORDS[word]
        if value < 2:
            continue
        for metric in metrics:
            if metric not in phrase or windows.near(word, metric):
                continue
            if not windows.near(str(value), metric):
                candidates.append((word, value, metric))
    for _word, value, metric in _sample(rng, candidates, PLANTS_PER_KIND):
        label = phrase[metric]
        text = _analysis(f"{label[:1].upper()}{label[1:]} rose {value}%.")
        out.append(Claim(name, "plant:number-word", text, (f"{value}%",)))
    return out


def corpus(filings: list[tuple[str, Filing]], seed: int = 9) -> list[Claim]:
    """True claims and plants for every filing, deterministic for a seed."""
    out: list[Claim] = []
    for name, filing in filings:
        rng = random.Random(f"{seed}:{name}")
        out += true_claims(name, filing, rng)
        out += plants(name, filing, rng)
    return out


def _flagged(problems: list[str], value: str) -> bool:
    return any(f"'{value}'" in p for p in problems)


def score(claims: list[Claim], sources: dict[str, str]) -> Score:
    """Check every claim against its filing's source text."""
    result = Score()
    indexes: dict[str, SourceIndex] = {}
    for c in claims:
        if c.filing not in indexes:
            indexes[c.filing] = SourceIndex(sources[c.filing])
        problems = check_with_index(c.analysis, indexes[c.filing]).problems
        counts = result.by_kind.setdefault(c.kind, [0, 0])
        counts[0] += 1
        if c.planted:
            result.plants += 1
            if all(_flagged(problems, v) for v in c.values):
                result.caught += 1
                counts[1] += 1
                if all(any(f"'{v}' not found" in p for p in problems) for v in c.values):
                    result.caught_as_not_found += 1
            else:
                result.missed.append(f"{c.filing} {c.kind}: {_claim_text(c)}")
        else:
            result.true_claims += 1
            if problems:
                result.held += 1
                counts[1] += 1
                result.false_holds.append(f"{c.filing} {c.kind}: {problems[0]}")
    return result


def _claim_text(c: Claim) -> str:
    if c.analysis.figures:
        f = c.analysis.figures[0]
        return f"figure {f.name!r} = {f.value!r}"
    return c.analysis.summary.removesuffix(_NEUTRAL).strip()


def tally(claims: list[Claim]) -> Counter[str]:
    """Claims per kind."""
    return Counter(c.kind for c in claims)


# ----- reading filings -----


def _filing(name: str, form: str, text: str, exhibits: list[Exhibit], items: list[str]) -> Filing:
    from datetime import date

    return Filing(
        accession=name,
        cik=0,
        company="Fixture Filer",
        form=form,
        day=date(2026, 1, 1),
        date_filed=date(2026, 1, 1),
        primary_document="",
        primary_url="",
        index_url="",
        text=text,
        items=items,
        exhibits=exhibits,
    )


def fixture_filings(edgar_dir: Path) -> list[tuple[str, Filing]]:
    """The real filings in the shared EDGAR fixtures, read with the pipeline's text extraction:
    a full submission .txt (primary document and EX-99 exhibits) where there is one, else the
    primary .htm."""
    out = []
    for folder in sorted((edgar_dir / "filings").iterdir()):
        txt = folder / f"{folder.name}.txt"
        if txt.is_file():
            sub = parse_submission(txt.read_text(encoding="utf-8", errors="replace"))
            primary = sub.primary()
            if primary is None:
                continue
            exhibits = [
                Exhibit(d.type, d.filename, "", d.text())
                for d in sub.documents
                if d.type.upper().startswith("EX-99") and not d.is_binary
            ]
            out.append((folder.name, _filing(folder.name, sub.form, primary.text(), exhibits, [])))
            continue
        htm = sorted(p for p in folder.glob("*.htm") if not p.name.endswith("-index.html"))
        if htm:
            body = htm[0].read_text(encoding="utf-8", errors="replace")
            form = "10-Q" if "10-q" in body[:20000].lower() and "8-k" not in htm[0].name else "8-K"
            out.append((folder.name, _filing(folder.name, form, document_to_text(body), [], [])))
    return out


def sample_filings(root: Path) -> list[tuple[str, Filing]]:
    """The bundled sample week, generated under `root` and read through the pipeline's
    EdgarSource (file:// URLs); filings the sample breaks on purpose are left out."""
    from filings_pipeline.edgar.edgar_source import EdgarSource
    from filings_pipeline.edgar.fetch import Fetcher
    from filings_pipeline.edgar.models import FilingError
    from filings_pipeline.sample import default_sample_days, generate_mirror

    generate_mirror(root, default_sample_days())
    src = EdgarSource(
        (root / "www.sec.gov" / "Archives").as_uri(),
        (root / "data.sec.gov").as_uri(),
        Fetcher("filings_pipeline attribution corpus corpus@example.com"),
    )
    out = []
    for day in default_sample_days():
        for entry in src.list_day(day).entries:
            try:
                filing = src.fetch_filing(entry, day)
            except FilingError:
                continue
            if filing.text.strip():
                out.append((filing.accession, filing))
    return out
