"""What each sample filing says: form, items, dates, figures and paragraphs (no HTML here)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from filings_pipeline.edgar.items import ITEM_TITLES
from filings_pipeline.sample.business_calendar import previous_business_day
from filings_pipeline.sample.companies import (
    FIRST_NAMES,
    HOSTILE_TEXT_PAYLOAD,
    LAST_NAMES,
    Company,
    Officer,
)
from filings_pipeline.sample.figures import (
    ORDINALS,
    QuarterResults,
    change_words,
    latest_fiscal_period,
    long_date,
    money,
    per_share,
    quarter_results,
)

# (items, weight) for original 8-Ks; EX-99.1 accompanies every set with 2.02 or 7.01.
EIGHT_K_MIXES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("2.02", "9.01"), 24),
    (("5.02",), 10),
    (("5.02", "9.01"), 4),
    (("1.01", "9.01"), 7),
    (("1.01", "2.03", "9.01"), 4),
    (("8.01",), 8),
    (("8.01", "9.01"), 6),
    (("7.01", "9.01"), 10),
    (("5.02", "7.01", "9.01"), 3),
    (("5.07",), 8),
    (("2.05",), 5),
    (("2.01", "9.01"), 3),
    (("1.05",), 2),
)
AMENDMENT_MIXES: tuple[tuple[tuple[str, ...], float], ...] = ((("5.02",), 1), (("2.01", "9.01"), 1))
FORM_WEIGHTS = (("8-K", 74), ("8-K/A", 4), ("periodic", 22))
BAD_KINDS = ("missing", "empty", "no_text")
BAD_REASONS = {
    "missing": "primary document missing from the filing folder",
    "empty": "primary document is empty (0 bytes)",
    "no_text": "primary document has no readable text",
}
BAD_RATE = 1 / 15
BANKS = ("First Meridian Bank, N.A.", "Lakeshore Trust Company", "Continental Capital Bank")
TARGET_WORDS = ("Arbor", "Cobalt", "Summit", "Tidewater", "Keystone", "Juniper", "Polaris")
TARGET_KINDS = ("Technologies", "Systems", "Labs", "Holdings", "Analytics", "Manufacturing")


@dataclass
class Table:
    """A simple table: header row and body rows (strings)."""

    header: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    """One item (8-K) or part/item (10-Q, 10-K) of a document."""

    code: str  # "2.02" for 8-K items, "" otherwise
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass
class PressRelease:
    """The EX-99.1 press release."""

    filename: str
    headline: str
    subheadline: str
    dateline: str
    paragraphs: list[str]
    highlights: list[str]
    table: Table | None
    about: str
    contact: Officer


@dataclass
class FilingSpec:
    """Everything needed to write one sample filing."""

    day: date
    index: int
    company: Company
    form: str
    items: list[str]
    accession: str
    accepted: datetime
    period: date
    primary_document: str
    title: str  # short subject used in the document (e.g. "Results of Operations")
    sections: list[Section]
    exhibit: PressRelease | None
    heading_style: str  # "bold" | "nbsp" | "table"
    inline_xbrl: bool
    bad_kind: str | None = None
    explanatory_note: str = ""

    @property
    def cik(self) -> int:
        return self.company.cik

    @property
    def acc_nodash(self) -> str:
        return self.accession.replace("-", "")

    @property
    def bad_reason(self) -> str | None:
        return BAD_REASONS[self.bad_kind] if self.bad_kind else None


def stable_rng(*parts: object) -> random.Random:
    """A random generator seeded from a SHA-256 of ``parts`` (stable across runs and machines)."""
    key = "/".join(str(p) for p in parts).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:16], "big"))


def _weighted(rng: random.Random, options: tuple[tuple[object, float], ...]):
    return rng.choices([o for o, _ in options], weights=[w for _, w in options], k=1)[0]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


class _Writer:
    """Builds the sections of one filing from a per-filing random generator."""

    def __init__(self, rng: random.Random, company: Company, day: date, hostile: bool) -> None:
        self.rng, self.c, self.day, self.hostile = rng, company, day, hostile
        self.ceo, self.cfo = company.officers[0], company.officers[1]

    @property
    def name(self) -> str:
        return self.c.display_name

    def hostile_sentence(self) -> str:
        return f"Management flagged the following vendor note verbatim: {HOSTILE_TEXT_PAYLOAD}"

    # -- 8-K items ---------------------------------------------------------------------------
    def item(self, code: str, ctx: dict) -> Section:
        heading = f"Item {code} {ITEM_TITLES[code]}."
        paras = getattr(self, "i" + code.replace(".", "_"))(ctx)
        table = ctx.pop("table", None)
        return Section(code, heading, paras, table)

    def i2_02(self, ctx: dict) -> list[str]:
        p = ctx["fiscal"]
        return [
            f"On {long_date(self.day)}, {self.name} (the “Company”) issued a press release "
            f"announcing its financial results for the {p.label} ended {long_date(p.end)}. "
            "A copy of the press release is furnished as Exhibit 99.1 to this Current Report on "
            "Form 8-K and is incorporated herein by reference.",
            "The information in this Item 2.02, including Exhibit 99.1, is being furnished and "
            "shall not be deemed “filed” for purposes of Section 18 of the Securities Exchange Act "
            "of 1934, as amended (the “Exchange Act”), nor shall it be deemed incorporated by "
            "reference in any filing under the Securities Act of 1933, as amended, except as "
            "expressly set forth by specific reference in such a filing.",
        ]

    def i7_01(self, ctx: dict) -> list[str]:
        return [
            f"On {long_date(self.day)}, the Company issued a press release {ctx['fd_topic']}. "
            "A copy of the press release is furnished as Exhibit 99.1 hereto.",
            "The information in this Item 7.01, including Exhibit 99.1, shall not be deemed "
            "“filed” for purposes of Section 18 of the Exchange Act.",
        ]

    def i9_01(self, ctx: dict) -> list[str]:
        rows = []
        if ctx.get("has_exhibit"):
            rows.append(["99.1", f"Press release of {self.name}, dated {long_date(self.day)}."])
        if ctx.get("acquisition"):
            rows.append(["99.2", f"Audited financial statements of {ctx['acquisition']}."])
        rows.append(["104", "Cover Page Interactive Data File (embedded within the Inline XBRL "
                            "document)."])  # fmt: skip
        ctx["table"] = Table(["Exhibit No.", "Description"], rows)
        return ["(d) Exhibits."]

    def i5_02(self, ctx: dict) -> list[str]:
        rng = self.rng
        leaving = rng.choice(self.c.officers[1:4])
        new = _person(rng)
        event = previous_business_day(self.day, rng.randint(0, 3))
        effective = self.day + timedelta(days=rng.randint(14, 75))
        salary = rng.randrange(450_000, 1_250_000, 25_000)
        bonus = rng.choice((60, 75, 90, 100, 125))
        award = rng.randrange(1_000_000, 6_000_000, 250_000)
        reason = rng.choice(("retire", "step down to pursue other opportunities", "resign"))
        paras = [
            f"On {long_date(event)}, {leaving.name} notified the Board of Directors (the "
            f"“Board”) of {self.name} (the “Company”) of the decision to {reason} as "
            f"{leaving.title}, effective {long_date(effective)}. The decision was not the result "
            "of any disagreement with the Company on any matter relating to its operations, "
            "policies or practices.",
            f"On {long_date(event)}, the Board appointed {new}, age {rng.randint(41, 63)}, to "
            f"succeed {leaving.name} as {leaving.title}, effective {long_date(effective)}. "
            f"{new} has served as {rng.choice(('Senior Vice President', 'Executive Vice President', 'Group President'))} "  # noqa: E501
            f"of {rng.choice(TARGET_WORDS)} {rng.choice(TARGET_KINDS)} since "
            f"{rng.randint(2014, 2023)}.",
            f"In connection with the appointment, {new} will receive an annual base salary of "
            f"${salary:,}, a target annual bonus opportunity of {bonus}% of base salary, and a "
            f"one-time equity award with a grant-date value of ${award:,}, vesting ratably over "
            "three years. There are no family relationships between "
            f"{new} and any director or executive officer of the Company.",
        ]
        if self.hostile:
            paras.append(self.hostile_sentence())
        ctx["new_officer"] = new
        return paras

    def i1_01(self, ctx: dict) -> list[str]:
        rng = self.rng
        size = rng.choice((250, 400, 500, 750, 1000, 1500))
        maturity = date(self.day.year + rng.choice((3, 5)), self.day.month, min(self.day.day, 28))
        bank = rng.choice(BANKS)
        ctx["facility"] = size
        return [
            f"On {long_date(previous_business_day(self.day))}, {self.name} (the “Company”) "
            f"entered into a Credit Agreement (the “Credit Agreement”) with {bank}, as "
            "administrative agent, and the lenders party thereto. The Credit Agreement provides "
            f"for a senior unsecured revolving credit facility of up to {money(size)}, maturing "
            f"on {long_date(maturity)}.",
            "Borrowings under the Credit Agreement bear interest at Term SOFR plus an applicable "
            f"margin ranging from {rng.choice(('1.000', '1.125', '1.250'))}% to "
            f"{rng.choice(('1.625', '1.750', '2.000'))}% based on the Company's leverage ratio. "
            "The Credit Agreement contains customary covenants, including a maximum net leverage "
            "ratio of 3.50 to 1.00.",
        ]

    def i2_03(self, ctx: dict) -> list[str]:
        return [
            "The information set forth under Item 1.01 of this Current Report on Form 8-K is "
            f"incorporated herein by reference. As of the closing date, {money(ctx['facility'] * 0.2)} "  # noqa: E501
            "was drawn under the revolving credit facility."
        ]

    def i8_01(self, ctx: dict) -> list[str]:
        rng = self.rng
        if ctx.get("buyback"):
            amount = rng.choice((100, 250, 500, 1000, 2000))
            return [
                f"On {long_date(self.day)}, the Board of Directors of {self.name} (the "
                f"“Company”) authorized a share repurchase program of up to {money(amount)} of "
                "the Company's outstanding common stock. The program has no expiration date and "
                "replaces the prior authorization, under which "
                f"{money(amount * rng.uniform(0.05, 0.4))} remained available.",
                "Repurchases may be made from time to time in open-market transactions, "
                "privately negotiated transactions or under Rule 10b5-1 plans.",
            ]
        prior = round(rng.uniform(0.08, 1.2), 2)
        new = round(prior * rng.choice((1.0, 1.05, 1.08, 1.1)), 2)
        record = self.day + timedelta(days=rng.randint(10, 20))
        pay = record + timedelta(days=rng.randint(7, 20))
        change = (
            "unchanged from the prior quarterly dividend"
            if new == prior
            else f"{change_words(new, prior)} from the prior quarterly dividend of "
            f"{per_share(prior)} per share"
        )
        return [
            f"On {long_date(self.day)}, the Board of Directors of {self.name} (the “Company”) "
            f"declared a quarterly cash dividend of {per_share(new)} per share of common stock, "
            f"payable on {long_date(pay)} to shareholders of record at the close of business on "
            f"{long_date(record)}. The dividend is {change}."
        ]

    def i5_07(self, ctx: dict) -> list[str]:
        rng = self.rng
        meeting = previous_business_day(self.day, rng.randint(1, 4))
        outstanding = self.c.shares_millions * 1_000_000
        rows = []
        for officer in self.c.officers[:1] + self.c.officers[4:]:
            for_votes = int(outstanding * rng.uniform(0.6, 0.85))
            rows.append([f"Election of {officer.name}", f"{for_votes:,}",
                         f"{int(outstanding * rng.uniform(0.005, 0.08)):,}",
                         f"{int(outstanding * rng.uniform(0.001, 0.01)):,}",
                         f"{int(outstanding * rng.uniform(0.02, 0.08)):,}"])  # fmt: skip
        for proposal in ("Advisory vote on executive compensation", "Ratification of auditors"):
            rows.append([proposal, f"{int(outstanding * rng.uniform(0.55, 0.8)):,}",
                         f"{int(outstanding * rng.uniform(0.02, 0.2)):,}",
                         f"{int(outstanding * rng.uniform(0.001, 0.01)):,}", "—"])  # fmt: skip
        ctx["table"] = Table(["Proposal", "For", "Against", "Abstain", "Broker Non-Votes"], rows)
        return [
            f"{self.name} (the “Company”) held its annual meeting of stockholders on "
            f"{long_date(meeting)}. Holders of {int(outstanding * 0.88):,} shares, or 88% of the "
            "shares entitled to vote, were present in person or by proxy. Each nominee was "
            "elected and each proposal was approved, with the final voting results below."
        ]

    def i2_05(self, ctx: dict) -> list[str]:
        rng = self.rng
        people = rng.randrange(120, 2400, 10)
        low = round(rng.uniform(8, 60), 0)
        high = low + round(rng.uniform(4, 25), 0)
        return [
            f"On {long_date(previous_business_day(self.day))}, the Board of Directors of "
            f"{self.name} (the “Company”) approved a restructuring plan to reduce its global "
            f"workforce by approximately {people:,} positions, or about "
            f"{rng.randint(3, 14)}% of employees, and to consolidate "
            f"{rng.randint(2, 9)} facilities.",
            f"The Company expects to incur pre-tax charges of approximately ${low:.0f} million to "
            f"${high:.0f} million, consisting primarily of severance and related benefits, "
            "substantially all of which will result in future cash expenditures. The plan is "
            f"expected to be substantially complete by the end of fiscal {self.day.year + 1}.",
        ]

    def i1_05(self, ctx: dict) -> list[str]:
        rng = self.rng
        detected = previous_business_day(self.day, rng.randint(2, 4))
        paras = [
            f"On {long_date(detected)}, {self.name} (the “Company”) detected unauthorized "
            "access to certain of its information technology systems. Upon detection, the "
            "Company activated its incident response plan, engaged external cybersecurity "
            "experts and notified law enforcement.",
            "The Company has contained the activity and restored the affected systems. The "
            "investigation is ongoing, and the Company has not yet determined whether the "
            "incident is reasonably likely to materially affect its financial condition or "
            "results of operations.",
        ]
        if self.hostile:
            paras.append(self.hostile_sentence())
        return paras

    def i2_01(self, ctx: dict) -> list[str]:
        rng = self.rng
        target = f"{rng.choice(TARGET_WORDS)} {rng.choice(TARGET_KINDS)}, Inc."
        ctx["acquisition"] = target
        price = round(self.c.annual_revenue_musd * rng.uniform(0.05, 0.3), 1)
        return [
            f"On {long_date(previous_business_day(self.day))}, {self.name} (the “Company”) "
            f"completed its previously announced acquisition of {target} for aggregate "
            f"consideration of approximately {money(price)} in cash, subject to customary "
            "adjustments. The Company funded the purchase price with cash on hand and "
            "borrowings under its revolving credit facility."
        ]


def _press_release(w: _Writer, spec_items: list[str], ctx: dict, filename: str) -> PressRelease:
    rng, c = w.rng, w.c
    ceo, cfo = c.officers[0], c.officers[1]
    dateline = f"{c.city.upper()}, {c.state}, {long_date(w.day)} --"
    about = (
        f"About {c.display_name}: {c.display_name} ({c.exchange}: {c.ticker}) is headquartered in "
        f"{c.city}, {c.state}, and operates in the {c.sic_description.lower()} industry."
    )
    if "2.02" in spec_items:
        p = ctx["fiscal"]
        r: QuarterResults = ctx["results"]
        quarter_words = f"{ORDINALS[p.quarter].title()} Quarter Fiscal {p.fiscal_year}"
        headline = f"{c.display_name} Reports {quarter_words} Results"
        paras = [
            f"{dateline} {c.display_name} ({c.exchange}: {c.ticker}) today reported revenue of "
            f"{money(r.revenue)} for the {p.label} ended {long_date(p.end)}, "
            f"{change_words(r.revenue, r.prior_revenue)} from {money(r.prior_revenue)} a year "
            f"earlier. Net income was {money(r.net_income)}, or {per_share(r.eps)} per diluted "
            f"share, compared with {money(r.prior_net_income)}, or {per_share(r.prior_eps)} per "
            "diluted share, in the prior-year quarter.",
            f"“{rng.choice(('Our teams delivered', 'We executed well and delivered', 'The quarter reflected'))} "  # noqa: E501
            f"{rng.choice(('disciplined growth', 'solid demand', 'steady progress on our priorities'))},” "  # noqa: E501
            f"said {ceo.name}, {ceo.title}. “We ended the quarter with {money(r.cash)} in cash "
            "and remain focused on long-term value.”",
            f"“Adjusted earnings per share of {per_share(r.adjusted_eps)} reflect our cost "
            f"discipline,” said {cfo.name}, {cfo.title}.",
        ]
        highlights = [
            f"Revenue of {money(r.revenue)}, {change_words(r.revenue, r.prior_revenue)}",
            f"Diluted EPS of {per_share(r.eps)}; adjusted EPS of {per_share(r.adjusted_eps)}",
            f"Operating income of {money(r.operating_income)}",
        ]
        table = Table(
            ["($ in millions, except per share)", "Current quarter", "Prior-year quarter",
             "Change"], r.table_rows(), caption="Summary of results (unaudited)",
        )  # fmt: skip
        sub = f"Revenue {money(r.revenue)}; diluted EPS {per_share(r.eps)}"
    else:
        low = round(c.annual_revenue_musd * rng.uniform(1.0, 1.08), 0)
        high = round(low * rng.uniform(1.02, 1.06), 0)
        eps_low = round(rng.uniform(0.5, 6.0), 2)
        eps_high = round(eps_low + rng.uniform(0.1, 0.4), 2)
        year = w.day.year + 1
        headline = f"{c.display_name} Issues Fiscal {year} Outlook at Investor Day"
        sub = f"Expects revenue of {money(low)} to {money(high)}"
        paras = [
            f"{dateline} {c.display_name} ({c.exchange}: {c.ticker}) today hosted its investor "
            f"day and issued its outlook for fiscal {year}, expecting revenue of {money(low)} to "
            f"{money(high)} and diluted earnings per share of {per_share(eps_low)} to "
            f"{per_share(eps_high)}.",
            f"“We see a clear path to durable growth,” said {ceo.name}, {ceo.title}.",
        ]
        highlights = [f"Fiscal {year} revenue outlook of {money(low)} to {money(high)}"]
        table = Table(
            ["Fiscal " + str(year) + " outlook", "Low", "High"],
            [["Revenue ($ millions)", f"{low:,.0f}", f"{high:,.0f}"],
             ["Diluted EPS", per_share(eps_low), per_share(eps_high)]],
            caption="Outlook",
        )  # fmt: skip
    if w.hostile:
        paras.append(w.hostile_sentence())
    return PressRelease(filename, headline, sub, dateline, paras, highlights, table, about, cfo)


def _periodic_sections(w: _Writer, form: str, ctx: dict) -> list[Section]:
    p = ctx["fiscal"]
    r: QuarterResults = ctx["results"]
    span = "Year" if form == "10-K" else "Three Months"
    table = Table(
        ["($ in millions, except per share)", f"{span} Ended {long_date(p.end)}",
         "Prior-Year Period", "Change"], r.table_rows(),
        caption="Consolidated Statements of Operations (unaudited)"
        if form == "10-Q" else "Consolidated Statements of Operations",
    )  # fmt: skip
    period_words = f"fiscal {p.fiscal_year}" if form == "10-K" else f"the {p.label}"
    mdna = [
        f"Revenue for {period_words} was {money(r.revenue)}, "
        f"{change_words(r.revenue, r.prior_revenue)} compared with {money(r.prior_revenue)} in "
        f"the prior-year period, driven by {w.rng.choice(('higher volumes', 'pricing actions', 'new customer wins', 'acquisitions'))}.",  # noqa: E501
        f"Net income was {money(r.net_income)}, or {per_share(r.eps)} per diluted share, compared "
        f"with {money(r.prior_net_income)}, or {per_share(r.prior_eps)}, a year earlier.",
        f"As of {long_date(p.end)}, the Company had cash and cash equivalents of {money(r.cash)}.",
    ]
    if w.hostile:
        mdna.append(w.hostile_sentence())
    if form == "10-K":
        return [
            Section("", "PART I"),
            Section("", "Item 1. Business", [
                f"{w.name} operates in the {w.c.sic_description.lower()} industry from its "
                f"headquarters in {w.c.city}, {w.c.state}."]),
            Section("", "Item 1A. Risk Factors", [
                "Our results depend on economic conditions, competition and our ability to "
                "retain key personnel. Cybersecurity incidents could disrupt our operations."]),
            Section("", "PART II"),
            Section("", "Item 7. Management's Discussion and Analysis of Financial Condition "
                        "and Results of Operations", mdna),
            Section("", "Item 8. Financial Statements and Supplementary Data", [], table),
            Section("", "Item 9A. Controls and Procedures", [
                "Management concluded that our disclosure controls and procedures were effective "
                f"as of {long_date(p.end)}."]),
        ]  # fmt: skip
    return [
        Section("", "PART I — FINANCIAL INFORMATION"),
        Section("", "Item 1. Financial Statements", [], table),
        Section("", "Item 2. Management's Discussion and Analysis of Financial Condition and "
                    "Results of Operations", mdna),
        Section("", "Item 3. Quantitative and Qualitative Disclosures About Market Risk", [
            "There have been no material changes to our market risk since our last annual "
            "report."]),
        Section("", "Item 4. Controls and Procedures", [
            "Our disclosure controls and procedures were effective as of the end of the period."]),
        Section("", "PART II — OTHER INFORMATION"),
        Section("", "Item 1A. Risk Factors", [
            "There have been no material changes to the risk factors disclosed in our most "
            "recent Annual Report on Form 10-K."]),
    ]  # fmt: skip


# One padding note of a big 10-K renders to about this many bytes of HTML (measured).
_NOTE_BYTES = 4265


def _padding_notes(rng: random.Random, target_bytes: int, table: Table) -> list[Section]:
    """Notes to the financial statements that make a 10-K about ``target_bytes`` of HTML."""
    notes = []
    for k in range(max(1, target_bytes // _NOTE_BYTES)):
        paras = [
            f"Note {k + 1} describes segment {rng.randint(1, 40)} of the Company. Revenue is "
            "recognized when control of the promised goods or services transfers to customers, "
            "in an amount that reflects the consideration the Company expects to receive. "
            "Contract balances, remaining performance obligations and deferred costs are "
            "reviewed each quarter, and estimates are revised when facts change." * 2
            for _ in range(3)
        ]
        notes.append(Section("", f"Note {k + 1}. Segment and Revenue Information", paras, table))
    return notes


def marker_word(accession: str) -> str:
    """The word ``markers=True`` plants in a filing's documents: unique to the accession."""
    return "fpmark" + accession.replace("-", "")


def plan_filing(
    rng: random.Random,
    day: date,
    index: int,
    company: Company,
    kind: str,
    bad_kind: str | None,
    hostile: bool,
    markers: bool = False,
    big_mb: float = 0.0,
) -> FilingSpec:
    """Decide and write the content of one filing (``kind``: 8-K, 8-K/A or periodic).

    ``big_mb`` > 0 makes it a 10-K of about that many MB (2**20 bytes) of HTML: its financial
    statements carry as many notes as it takes (to measure huge documents and the size cap).

    ``markers`` plants ``marker_word(accession)`` in the primary document and the press release,
    so a test can tell whether any text ended up in another filing."""
    w = _Writer(rng, company, day, hostile)
    ctx: dict = {}
    note = ""
    if kind == "periodic":
        fiscal = latest_fiscal_period(company, day, 15)
        form = "10-K" if fiscal.is_year_end or big_mb > 0 else "10-Q"
        items: list[str] = []
        ctx["fiscal"] = fiscal
        ctx["results"] = quarter_results(rng, company, 12 if form == "10-K" else 3)
        period = fiscal.end
        sections = _periodic_sections(w, form, ctx)
        if big_mb > 0:
            table = next(s.table for s in sections if s.table is not None)
            sections += _padding_notes(rng, int(big_mb * 2**20), table)
        title = "Annual Report" if form == "10-K" else "Quarterly Report"
    else:
        form = kind
        mixes = AMENDMENT_MIXES if form == "8-K/A" else EIGHT_K_MIXES
        items = list(_weighted(rng, mixes))
        ctx["has_exhibit"] = "2.02" in items or "7.01" in items
        ctx["buyback"] = "9.01" in items and "8.01" in items
        ctx["fd_topic"] = "announcing its outlook at its investor day"
        if "2.02" in items:
            ctx["fiscal"] = latest_fiscal_period(company, day, 20)
            ctx["results"] = quarter_results(rng, company)
        period = day if rng.random() < 0.6 else previous_business_day(day, rng.randint(1, 3))
        sections = [w.item(code, ctx) for code in items]
        title = ITEM_TITLES[items[0]]
        if form == "8-K/A":
            original = previous_business_day(day, rng.randint(5, 40))
            note = (
                f"This Amendment No. 1 on Form 8-K/A amends the Current Report on Form 8-K filed "
                f"by {company.display_name} on {long_date(original)} (the “Original Report”) to "
                "provide information that was not determined or available at the time of the "
                "Original Report. Except as set forth herein, the Original Report is unchanged."
            )
    if hostile and not any(HOSTILE_TEXT_PAYLOAD in p for s in sections for p in s.paragraphs):
        target = next((s for s in sections if s.paragraphs), sections[0])
        target.paragraphs.append(w.hostile_sentence())
    seq = day.timetuple().tm_yday * 1000 + index
    prefix = company.filer_agent_cik or company.cik
    accession = f"{prefix:010d}-{day.year % 100:02d}-{seq:06d}"
    minute = rng.randint(6 * 60, 17 * 60 + 29)
    accepted = datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)))
    stem = company.ticker.lower()
    if company.filer_agent_cik:
        doc = f"ea{seq:07d}-{form.lower().replace('/', '')}_{stem}.htm"
        ex_name = f"ea{seq:07d}ex99-1_{stem}.htm"
    else:
        doc = f"{stem}-{period:%Y%m%d}.htm"
        ex_name = f"{stem}ex991{period:%Y%m%d}.htm"
    exhibit = _press_release(w, items, ctx, ex_name) if ctx.get("has_exhibit") else None
    if markers:
        target = next((s for s in sections if s.paragraphs), sections[0])
        target.paragraphs.append(f"Reference {marker_word(accession)}.")
        if exhibit is not None:
            exhibit.paragraphs.append(f"Release reference {marker_word(accession)}.")
    return FilingSpec(
        day=day,
        index=index,
        company=company,
        form=form,
        items=items,
        accession=accession,
        accepted=accepted,
        period=period,
        primary_document=doc,
        title=title,
        sections=sections,
        exhibit=exhibit,
        heading_style=rng.choice(("bold", "nbsp", "table")),
        inline_xbrl=rng.random() < 0.6,
        bad_kind=bad_kind,
        explanatory_note=note,
    )


def plan_day(
    day: date,
    filings_per_day: int,
    seed: int,
    companies: tuple[Company, ...],
    bad_filings: bool,
    hostile: bool,
    markers: bool = False,
    big_10k_mb: float = 0.0,
) -> list[FilingSpec]:
    """The filings of one day; depends only on (day, filings_per_day, seed, flags).

    ``big_10k_mb`` > 0 turns the day's first filing into a 10-K of about that many MB."""
    if not 0 <= filings_per_day <= 999:
        raise ValueError(f"filings_per_day must be between 0 and 999, got {filings_per_day}")
    day_rng = stable_rng("filings-sample", seed, day.isoformat())
    if filings_per_day <= len(companies):
        chosen = day_rng.sample(range(len(companies)), filings_per_day)
    else:
        chosen = [day_rng.randrange(len(companies)) for _ in range(filings_per_day)]
    if hostile and filings_per_day:
        chosen[0] = 0  # the company whose name carries the payload files every day
    specs = []
    for i, company_index in enumerate(chosen):
        kind = _weighted(day_rng, FORM_WEIGHTS)
        bad_draw, bad_pick = day_rng.random(), day_rng.choice(BAD_KINDS)
        bad = bad_pick if bad_filings and bad_draw < BAD_RATE and not (hostile and i == 0) else None
        filing_rng = stable_rng("filings-sample", seed, day.isoformat(), i)
        company = companies[company_index]
        big = big_10k_mb if i == 0 else 0.0
        if big:
            kind, bad = "periodic", None
        spec = plan_filing(filing_rng, day, i, company, kind, bad, hostile, markers, big)
        specs.append(spec)
    return specs
