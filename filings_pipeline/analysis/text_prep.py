"""Plain-text helpers for extractive analysis: the 8-K item table, boilerplate stripping,
sentence splitting and TF-IDF sentence selection (stdlib only, deterministic)."""

from __future__ import annotations

import math
import re
from collections import Counter

from filings_pipeline.edgar.items import ITEM_TITLES


def word_list(words: str) -> list[str]:
    """Split a whitespace-separated word list written in code."""
    return words.split()


ITEM_CODES: frozenset[str] = frozenset(ITEM_TITLES)

# Work caps keep huge 10-K texts fast.
MAX_SOURCE_CHARS = 300_000
MAX_SENTENCES = 3_000
MAX_SENTENCE_CHARS = 900
WRAPPED_LINE_CHARS = 70  # a longer line that does not end a sentence was wrapped

# Phrases that mark boilerplate paragraphs/sentences (lower-case).
BOILERPLATE_PHRASES: tuple[str, ...] = (
    "shall not be deemed",
    "forward-looking statement",
    "forward looking statement",
    "safe harbor",
    "private securities litigation reform act",
    "incorporated by reference into any",
    "pursuant to the requirements of the securities exchange act",
    "cover page interactive data",
    "inline xbrl",
    "check the appropriate box",
    "indicate by check mark",
    "emerging growth company",
    "securities registered pursuant to section",
    "general instruction a.2",
    "commission file number",
    "i.r.s. employer",
    "undue reliance",
    "undertakes no obligation",
    "duly caused this report to be signed",
    "qualified in its entirety",
    "incorporated herein by reference",
    "are urged to read",
    "does not constitute an offer",
    "participants in the solicitation",
)

_FLS_HEADING = re.compile(
    r"^(?:cautionary|forward[- ]looking|safe harbor|special note regarding forward)", re.I
)
_ITEM_HEADING = re.compile(r"^\s*Item\s*(\d{1,2}\.\d{2})\b", re.I)
_SIGNATURES = re.compile(r"^\s*SIGNATURES?\s*:?\s*$", re.I)
_EXHIBIT_INDEX = re.compile(r"^\s*(?:EXHIBIT\s+INDEX|INDEX\s+TO\s+EXHIBITS)\s*$", re.I)
_COVER_LAST_MARKERS = re.compile(
    r"emerging growth company|check the appropriate box|securities registered pursuant", re.I
)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")

STOPWORDS: frozenset[str] = frozenset(
    word_list(
        "a about above after again against all also am an and any are as at be because been "
        "before being below between both but by can could did do does doing down during each "
        "few for from further had has have having he her here hers herself him himself his how "
        "i if in into is it its itself just me more most my myself no nor not now of off on "
        "once only or other our ours ourselves out over own same she should so some such than "
        "that the their theirs them themselves then there these they this those through to too "
        "under until up very was we were what when where which while who whom why will with "
        "would you your yours yourself inc corp corporation company co ltd llc plc may such per"
    )
)

# Words that end with a period but do not end a sentence.
_ABBREVIATIONS: frozenset[str] = frozenset(
    word_list(
        "inc corp co ltd no nos mr mrs ms dr jr sr st vs approx e.g i.e u.s u.k a.m p.m calif "
        "jan feb mar apr jun jul aug sep sept oct nov dec n.a l.p s.a n.v fig dept est govt "
        "assn bros reg"
    )
)

_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")  # "j", "j.p", "u.s": initials, not sentence ends
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\s+")
_CONNECTORS = frozenset(
    word_list(
        "of the and or to a an in for with by was were is are at on from as that its their which"
    )
)
_FINANCE_WORDS = frozenset(
    word_list(
        "revenue revenues income earnings profit loss sales margin eps dividend agreement "
        "acquisition merger appointed appoint resigned resignation retire retirement elected "
        "officer director chief president offering notes credit facility loan debt shares "
        "repurchase impairment restatement incident results quarter guidance outlook approved "
        "vote"
    )
)


def normalize_text(text: str) -> str:
    """NBSP/zero-width/CR cleanup, runs of spaces collapsed per line, blank-line runs capped."""
    text = text.translate(_ZERO_WIDTH).replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def is_boilerplate(sentence: str) -> bool:
    """True if the sentence/paragraph is legal boilerplate (safe harbour, 'not deemed filed'...)."""
    low = sentence.lower()
    return any(p in low for p in BOILERPLATE_PHRASES)


def _is_heading(line: str) -> bool:
    return 0 < len(line) <= 90 and not line.rstrip().endswith((".", ",", ";"))


def strip_boilerplate(text: str) -> str:
    """Remove cover page, SIGNATURES onward, exhibit index, Item 9.01 and safe-harbour sections,
    and boilerplate paragraphs. Input and output are normalised text (one block per line)."""
    lines = normalize_text(text).split("\n")
    head_window = 20_000

    # Cover page: everything before the first "Item x.xx" heading near the top, else through
    # the last cover-page marker line near the top.
    start = 0
    pos = 0
    first_item = None
    last_cover = None
    for i, line in enumerate(lines):
        if pos > head_window:
            break
        if first_item is None and _ITEM_HEADING.match(line):
            first_item = i
            break
        if _COVER_LAST_MARKERS.search(line):
            last_cover = i
        pos += len(line) + 1
    if first_item is not None:
        start = first_item
    elif last_cover is not None:
        start = last_cover + 1

    kept: list[str] = []
    skipping: str | None = None  # "exhibits" (Item 9.01 / exhibit index) or "fls" (safe harbour)
    for line in lines[start:]:
        if _SIGNATURES.match(line):
            break
        item = _ITEM_HEADING.match(line)
        if item:
            skipping = "exhibits" if item.group(1) == "9.01" else None
        elif _EXHIBIT_INDEX.match(line):
            skipping = "exhibits"
        elif _is_heading(line) and _FLS_HEADING.match(line):
            skipping = "fls"
        elif skipping == "fls" and _is_heading(line) and len(line) > 3 and not is_boilerplate(line):
            skipping = None  # the next heading ends a safe-harbour section
        if skipping or is_boilerplate(line):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def join_wrapped_lines(text: str) -> list[str]:
    """Join lines that continue a sentence (HTML text often wraps mid-sentence) into blocks."""
    blocks: list[str] = []
    cur = ""
    last_len = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if cur:
                blocks.append(cur)
                cur = ""
            continue
        if not cur:
            cur = line
            last_len = len(line)
            continue
        if _continues(cur, line, last_len):
            cur = f"{cur} {line}"
        else:
            blocks.append(cur)
            cur = line
        last_len = len(line)
    if cur:
        blocks.append(cur)
    return [re.sub(r"^[•·▪●\-–*]\s*", "", b) for b in blocks if b.strip("•·▪● ")]


def _continues(cur: str, nxt: str, last_len: int) -> bool:
    """Does line `nxt` continue block `cur` (whose last physical line was `last_len` long)?"""
    if cur in {"•", "·", "▪", "●", "-", "–", "*"}:
        return True
    if " | " in cur or " | " in nxt:
        return False  # a flattened table row ("Revenue | $ 4,655 | $ 4,262") stands alone
    if nxt[0].islower():
        return True  # sentences do not start in lower case: a wrapped line
    if cur.endswith((".", "!", "?", ":", ";", "”", '"')):
        return False
    if nxt[0].isdigit() or nxt[0] in "$%(,)":
        return True
    if last_len >= WRAPPED_LINE_CHARS:
        return True  # a long line without final punctuation was hard-wrapped
    last = cur.rsplit(" ", 1)[-1].lower()
    return cur.endswith(",") or last in _CONNECTORS


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences (abbreviation- and decimal-aware)."""
    sentences: list[str] = []
    for block in join_wrapped_lines(text):
        start = 0
        for m in _BOUNDARY.finditer(block):
            nxt = block[m.end() : m.end() + 1]
            if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in '"“($'):
                continue
            before = block[start : m.start() + 1].rsplit(" ", 1)[-1].rstrip(".").lower()
            before = before.lstrip('("“')
            if before in _ABBREVIATIONS or _INITIALS.fullmatch(before):
                continue
            piece = block[start : m.end()].strip()
            if piece:
                sentences.append(piece)
            start = m.end()
            if len(sentences) >= MAX_SENTENCES:
                return sentences
        tail = block[start:].strip()
        if tail:
            sentences.append(tail)
        if len(sentences) >= MAX_SENTENCES:
            break
    return sentences


_NUMERIC_RUN = re.compile(r"(?:[$(]?\s?[\d,.]+\)?\s?%?\s+){3,}")  # a table row's cells


def is_content_sentence(sentence: str) -> bool:
    """A full prose sentence worth quoting: not a table row, heading or boilerplate."""
    s = sentence.strip()
    if not (40 <= len(s) <= MAX_SENTENCE_CHARS):
        return False
    if not re.search(r"[.!?][\"”’)\]]*$", s):
        return False
    tokens = s.split()
    if len(tokens) < 7:
        return False
    alpha = sum(1 for t in tokens if any(c.isalpha() for c in t))
    if alpha / len(tokens) < 0.6:
        return False
    if s[0].islower() or " | " in s or is_item_heading(s) or _NUMERIC_RUN.search(s):
        return False
    letters = [c for c in s if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.5:
        return False
    return not is_boilerplate(s)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


_TITLE_LETTERS = {_letters(t)[:20]: len(_letters(t)) for t in ITEM_TITLES.values()}
_ALL_TITLE_LETTERS = "|".join(_letters(t) for t in ITEM_TITLES.values())


def is_item_heading(sentence: str) -> bool:
    """True for an 8-K item heading such as "Item 5.02 Departure of Directors ... ." or a bare
    item title ("Submission of Matters to a Vote of Security Holders.")."""
    m = _ITEM_HEADING.match(sentence)
    letters = _letters(sentence[m.end() :] if m else sentence)
    size = _TITLE_LETTERS.get(letters[:20])
    if size is not None and len(letters) <= size + 20:
        return True
    return len(letters) >= 12 and letters in _ALL_TITLE_LETTERS  # a split-off part of a title


def terms(text: str) -> list[str]:
    """Lower-cased content words (stopwords removed)."""
    out = []
    for w in _WORD.findall(text):
        w = w.lower().replace("’", "'")
        if w not in STOPWORDS and len(w) > 2:
            out.append(w)
    return out


_HAS_AMOUNT = re.compile(r"\$\s?\d|\d\s?%|\d\s?percent|\d (?:million|billion)")


def select_sentences(sentences: list[str], k: int, redundancy: float = 0.5) -> list[int]:
    """Indices of the k best sentences, best first, by a TF-IDF centrality score.

    weight(term) = count in document * log(1 + N / df); a sentence scores the sum of its
    distinct terms' weights / #terms**0.75, times a position bonus (up to x2 for the first),
    x1.3 if it states an amount, x1.2 for finance words, x0.7 for quotes. Near-duplicates
    (term Jaccard >= redundancy) of an already chosen sentence are skipped.
    """
    n = len(sentences)
    if n == 0 or k <= 0:
        return []
    term_sets = [set(terms(s)) for s in sentences]
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    for s, ts in zip(sentences, term_sets, strict=True):
        df.update(ts)
        tf.update(terms(s))
    weight = {t: tf[t] * math.log(1 + n / df[t]) for t in df}
    scored: list[tuple[float, int]] = []
    for i, (s, ts) in enumerate(zip(sentences, term_sets, strict=True)):
        if not ts:
            continue
        score = sum(weight[t] for t in ts) / len(ts) ** 0.75
        score *= 1.0 + (1.0 - i / n)
        if _HAS_AMOUNT.search(s):
            score *= 1.3
        if ts & _FINANCE_WORDS:
            score *= 1.2
        if s.lstrip()[:1] in '"“':
            score *= 0.7
        scored.append((score, i))
    scored.sort(key=lambda p: (-p[0], p[1]))
    chosen: list[int] = []
    for _, i in scored:
        if len(chosen) >= k:
            break
        ts = term_sets[i]
        if any(_jaccard(ts, term_sets[j]) >= redundancy for j in chosen):
            continue
        chosen.append(i)
    return chosen


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


_MDNA = re.compile(
    r"Management[’']?s\s+Discussion\s+and\s+Analysis\s+of\s+Financial\s+Condition", re.I
)
_PART_ITEM = re.compile(r"^\s*Item\s+\d{1,2}[A-C]?\s*[.:]", re.I | re.M)


def find_mdna(text: str) -> str | None:
    """The MD&A section of a 10-K/10-Q: the longest span from an MD&A heading to the next
    'Item N.' heading (the table-of-contents occurrence is short, so it loses)."""
    best: str | None = None
    for m in _MDNA.finditer(text):
        nxt = _PART_ITEM.search(text, m.end())
        end = nxt.start() if nxt else len(text)
        span = text[m.end() : end]
        if best is None or len(span) > len(best):
            best = span
    if best is None or len(best) < 500:
        return None
    return best
