"""What a number is a number of: metric labels, their synonyms, and the words around them.

A *concept* groups the ways filings and articles name one metric ("revenue", "net sales",
"sales" are all `revenue`). `find_labels` finds them in a stretch of text, most specific
phrase first ("net loss per share" is `eps`, not `net_income`; "cost of sales" is `expenses`,
not `revenue`). Qualifier concepts (`guidance`) say what kind of figure it is, not what it
measures, so they only decide a match when no metric is named. `content_words` is the fallback
label for text that names no known concept ("37 stores"): its non-generic words, crudely
stemmed.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from filings_pipeline.analysis.text_prep import word_list

_SHARE = r"(?:basic\s+|diluted\s+|common\s+|class\s+\w\s+|ordinary\s+)*(?:share|unit)"

# (concept, regex) in priority order: where two match at the same place, the first wins.
_CONCEPT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("eps", r"(?:(?:diluted|basic|adjusted|gaap|non-gaap)\s+)*eps"),
    (
        "eps",
        r"(?:(?:net|adjusted|diluted|basic)\s+)*(?:earnings|income|loss|profit)"
        r"(?:\s+\((?:loss|income)\))?\s+per\s+" + _SHARE,
    ),
    ("eps", r"per\s+(?:basic\s+|diluted\s+)+(?:common\s+)?share"),
    ("par_value", r"par\s+value"),
    ("dividend", r"dividends?"),
    (
        "expenses",
        r"cost\s+of\s+(?:sales|revenues?|goods\s+sold|products|services)"
        r"|(?:sales\s+and\s+marketing|selling,?\s+general\s+and\s+administrative"
        r"|research\s+and\s+development|operating|total|interest)\s+expenses?|expenses",
    ),
    ("gross_margin", r"gross\s+(?:profit|margin)s?"),
    ("operating_margin", r"operating\s+margins?"),
    (
        "operating_income",
        r"operating\s+(?:income|loss|profit)(?:\s+\((?:loss|income)\))?"
        r"|(?:income|loss|profit)\s+from\s+operations",
    ),
    ("ebitda", r"(?:adjusted\s+)?ebitda"),
    (
        "cash_flow",
        r"(?:free\s+|operating\s+)?cash\s+flows?(?:\s+from\s+(?:operations|operating\s+activities))?"
        r"|cash\s+(?:provided|generated|used)\s+(?:by|in|from)\s+operating\s+activities",
    ),
    ("arr", r"annual(?:ized)?\s+recurring\s+revenues?|arr"),
    ("rpo", r"remaining\s+performance\s+obligations?|rpo|backlog"),
    ("cash", r"cash(?:\s+and\s+(?:cash\s+)?equivalents)?|liquidity"),
    (
        "net_income",
        r"net\s+(?:income|loss|earnings|profit)(?:\s+\((?:loss|income)\))?|earnings|profits?",
    ),
    (
        "revenue",
        r"(?:(?:net|total|operating|subscription|segment|services?|product|quarterly|annual)\s+)*"
        r"(?:revenues?|sales)|top[- ]line|turnover",
    ),
    (
        "debt",
        r"(?:(?:total|long-term|short-term|net|outstanding)\s+)*(?:debt|indebtedness)"
        r"|borrow(?:ings?|ed)|(?:(?:senior|convertible|unsecured|secured)\s+)*notes"
        r"|debentures?|bonds?|credit\s+(?:facility|facilities|agreement|line)"
        r"|revolv(?:ing|er)(?:\s+credit)?|term\s+loans?|principal\s+amount|commercial\s+paper",
    ),
    ("loans", r"(?:(?:total|net|gross)\s+)*loans(?:\s+receivable)?"),
    ("deposits", r"(?:total\s+)?deposits"),
    ("assets", r"(?:total\s+)?assets"),
    (
        "equity",
        r"(?:stockholders|shareholders)['’]?\s+equity|book\s+value(?:\s+per\s+share)?",
    ),
    ("repurchase", r"repurchas\w*|buy-?backs?"),
    ("salary", r"(?:annual\s+)?(?:base\s+)?salar(?:y|ies)"),
    (
        "bonus",
        r"(?:(?:target|annual|signing|sign-on|retention|cash)\s+)*bonus(?:es)?"
        r"|incentive\s+(?:compensation|award|opportunity|payment)",
    ),
    (
        "equity_award",
        r"(?:equity|stock|option|rsu|psu|performance)\s+(?:unit\s+)?awards?"
        r"|restricted\s+stock(?:\s+units?)?|(?:stock\s+)?options|grant[- ]date\s+(?:fair\s+)?value"
        r"|rsus?|psus?",
    ),
    ("severance", r"severance"),
    (
        "price",
        r"(?:purchase|acquisition|offer(?:ing)?|exercise|conversion|share)\s+price"
        r"|consideration|(?:enterprise|transaction|deal|equity)\s+value",
    ),
    ("tax_rate", r"(?:effective\s+)?tax\s+rate"),
    ("interest_rate", r"interest\s+rate|coupon|yield"),
    ("shares", r"shares(?:\s+outstanding)?|share\s+count"),
    ("employees", r"employees|headcount|workforce"),
    ("stores", r"stores|locations|restaurants"),
    ("guidance", r"guidance|outlook|expect\w*|forecast\w*|projects?|projected|anticipat\w*"),
)
QUALIFIERS: frozenset[str] = frozenset({"guidance"})
# Metrics that are ratios: a bare number in their table row may be quoted as a percentage.
RATIO_CONCEPTS: frozenset[str] = frozenset(
    {"gross_margin", "operating_margin", "tax_rate", "interest_rate"}
)
CONCEPTS: tuple[str, ...] = tuple(dict.fromkeys(c for c, _ in _CONCEPT_PATTERNS))

_GROUPS = [f"(?P<c{i}>{pat})" for i, (_, pat) in enumerate(_CONCEPT_PATTERNS)]
_LABEL_RE = re.compile(r"(?<![\w-])(?:" + "|".join(_GROUPS) + r")(?![\w-])", re.IGNORECASE)

# Words that never identify a figure on their own: grammar, units, change verbs, calendar words.
_GENERIC: frozenset[str] = frozenset(
    word_list(
        "a an the of to in on at by for from with as and or but not no than then that this these "
        "those its it their our we us was were is are be been being has have had will would may "
        "could should can also which who whose what when where while about approximately nearly "
        "over under up down more less most least per each all any some other such into out "
        "another several various additional further both either neither "
        "amount amounts figure figures value values total totals number numbers percentage "
        "percent percentages pct rate level levels change changes changed growth grew grow "
        "grows increase increased increases decrease decreased decreases rose rise rises fell "
        "fall falls declined decline declines reached reach reaches collapsed jumped climbed "
        "dropped gained improved reported reports report said says company companys corporation "
        "corp inc ltd llc quarter quarters year years fiscal month months period periods first "
        "second third fourth full ended ending million millions billion billions thousand "
        "thousands trillion dollars dollar usd us basis point points bps compared prior previous "
        "same last next new record approximately january february march april may june july "
        "august september october november december mr ms dr"
    )
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")


@dataclass(frozen=True, slots=True)
class LabelHit:
    """One label found in a text: the concept and the phrase as written."""

    concept: str
    phrase: str
    start: int
    end: int

    @property
    def qualifier(self) -> bool:
        return self.concept in QUALIFIERS


def find_labels(text: str, start: int = 0, end: int | None = None) -> list[LabelHit]:
    """Every concept named in text[start:end], in order (positions are in `text`)."""
    stop = len(text) if end is None else end
    hits = []
    for m in _LABEL_RE.finditer(text, start, stop):
        index = int(m.lastgroup[1:]) if m.lastgroup else 0
        phrase = " ".join(m.group(0).split()).lower()
        hits.append(LabelHit(_CONCEPT_PATTERNS[index][0], phrase, m.start(), m.end()))
    return hits


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem: lower case, no possessive, no plural 's'."""
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s").rstrip("'")
    if len(w) > 3 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def content_words(text: str, start: int = 0, end: int | None = None) -> frozenset[str]:
    """Stems of the words in text[start:end] that could name a figure (generic words dropped)."""
    stop = len(text) if end is None else end
    out = set()
    for m in _WORD.finditer(text, start, stop):
        w = stem(m.group(0))
        if len(w) > 1 and w not in _GENERIC and w.rstrip("s") not in _GENERIC:
            out.add(w)
    return frozenset(out)


class ScannedText:
    """A text's labels and content words found in one pass, then read by position."""

    def __init__(self, text: str) -> None:
        self.hits = find_labels(text)
        self._hit_starts = [h.start for h in self.hits]
        self._words: list[tuple[int, int, str]] = []
        for m in _WORD.finditer(text):
            w = stem(m.group(0))
            if len(w) > 1 and w not in _GENERIC and w.rstrip("s") not in _GENERIC:
                self._words.append((m.start(), m.end(), w))
        self._word_starts = [w[0] for w in self._words]

    def labels(self, start: int, end: int) -> list[LabelHit]:
        """The labels starting in text[start:end] ("cash and cash equivalents" stays whole
        where a clause break cuts it: it belongs to the clause it starts in)."""
        i = bisect.bisect_left(self._hit_starts, start)
        j = bisect.bisect_left(self._hit_starts, end)
        return self.hits[i:j]

    def words(self, start: int, end: int) -> frozenset[str]:
        """`content_words` of text[start:end]."""
        i = bisect.bisect_left(self._word_starts, start)
        j = bisect.bisect_left(self._word_starts, end)
        return frozenset(w for _, e, w in self._words[i:j] if e <= end)
