"""Render the documents of one sample filing (primary document, EX-99.1, index page, .txt)."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path

import jinja2

from filings_pipeline.sample.companies import state_name
from filings_pipeline.sample.content import ITEM_TITLES, FilingSpec
from filings_pipeline.sample.figures import long_date

TEMPLATES = Path(__file__).parent / "templates"
FORM_DESCRIPTIONS = {
    "8-K": "Current report",
    "8-K/A": "Current report: [Amend]",
    "10-Q": "Quarterly report [Sections 13 or 15(d)]",
    "10-K": "Annual report [Section 13 and 15(d), not S-K Item 405]",
}
EXCHANGE_NAMES = {"Nasdaq": "The Nasdaq Stock Market LLC", "NYSE": "New York Stock Exchange"}


@dataclass(frozen=True)
class Document:
    """One document of a filing as listed on its index page."""

    seq: int
    name: str
    type: str
    description: str
    content: bytes | None  # None: listed but absent from the folder (a "missing" bad filing)
    ixbrl: bool = False

    @property
    def size(self) -> int:
        return len(self.content or b"")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Jinja environment for the sample source documents (autoescaped: text stays text)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(long_date=long_date, state_name=state_name, item_titles=ITEM_TITLES)
    return env


def _render(name: str, **ctx: object) -> bytes:
    return environment().get_template(name).render(**ctx).encode("utf-8")


def render_primary(f: FilingSpec) -> bytes | None:
    """The primary document's bytes as it sits in the folder (None when deliberately missing)."""
    if f.bad_kind == "missing":
        return None
    if f.bad_kind == "empty":
        return b""
    if f.bad_kind == "no_text":
        return _render("no_text.html.j2", f=f)
    template = "primary_8k.html.j2" if f.form.startswith("8-K") else "primary_periodic.html.j2"
    c = f.company
    return _render(
        template,
        f=f,
        c=c,
        exchange_name=EXCHANGE_NAMES.get(c.exchange, c.exchange),
        signer=c.officers[1],
    )


def documents(f: FilingSpec) -> list[Document]:
    """The filing's documents in sequence order (primary first)."""
    primary = render_primary(f)
    docs = [
        Document(1, f.primary_document, f.form, f.form, primary, f.inline_xbrl and not f.bad_kind)
    ]
    if f.exhibit is not None:
        ex = _render("ex99.html.j2", x=f.exhibit, c=f.company)
        docs.append(Document(2, f.exhibit.filename, "EX-99.1", "EX-99.1", ex))
    return docs


def film_number(f: FilingSpec) -> str:
    """A deterministic 8-digit film number."""
    return f"{f.day.year % 100:02d}{(int(f.acc_nodash[-6:]) * 7919 + f.cik) % 1_000_000:06d}"


def submission_text(f: FilingSpec, docs: list[Document]) -> bytes:
    """The complete submission ``.txt`` (SGML header with TABs, one <DOCUMENT> per file present)."""
    c = f.company
    day = f"{f.day:%Y%m%d}"
    lines = [
        f"<SEC-DOCUMENT>{f.accession}.txt : {day}",
        f"<SEC-HEADER>{f.accession}.hdr.sgml : {day}",
        f"<ACCEPTANCE-DATETIME>{f.accepted:%Y%m%d%H%M%S}",
        f"ACCESSION NUMBER:\t\t{f.accession}",
        f"CONFORMED SUBMISSION TYPE:\t{f.form}",
        f"PUBLIC DOCUMENT COUNT:\t\t{len(docs)}",
        f"CONFORMED PERIOD OF REPORT:\t{f.period:%Y%m%d}",
        *[f"ITEM INFORMATION:\t\t{ITEM_TITLES[code]}" for code in f.items],
        f"FILED AS OF DATE:\t\t{day}",
        f"DATE AS OF CHANGE:\t\t{day}",
        "",
        "FILER:",
        "",
        "\tCOMPANY DATA:\t",
        f"\t\tCOMPANY CONFORMED NAME:\t\t\t{c.conformed_name}",
        f"\t\tCENTRAL INDEX KEY:\t\t\t{c.cik:010d}",
        f"\t\tSTANDARD INDUSTRIAL CLASSIFICATION:\t{c.sic_description.upper()} [{c.sic}]",
        f"\t\tIRS NUMBER:\t\t\t\t{c.ein.replace('-', '')}",
        f"\t\tSTATE OF INCORPORATION:\t\t\t{c.state_of_incorporation}",
        f"\t\tFISCAL YEAR END:\t\t\t{c.fiscal_year_end}",
        "",
        "\tFILING VALUES:",
        f"\t\tFORM TYPE:\t\t{f.form}",
        "\t\tSEC ACT:\t\t1934 Act",
        f"\t\tSEC FILE NUMBER:\t{c.file_number}",
        f"\t\tFILM NUMBER:\t\t{film_number(f)}",
        "",
        "\tBUSINESS ADDRESS:\t",
        f"\t\tSTREET 1:\t\t{c.street.upper()}",
        f"\t\tCITY:\t\t\t{c.city.upper()}",
        f"\t\tSTATE:\t\t\t{c.state}",
        f"\t\tZIP:\t\t\t{c.zip_code}",
        f"\t\tBUSINESS PHONE:\t\t{''.join(ch for ch in c.phone if ch.isdigit())}",
        "</SEC-HEADER>",
    ]
    out = "\n".join(lines).encode("utf-8") + b"\n"
    for d in docs:
        if d.content is None:
            continue
        head = f"<DOCUMENT>\n<TYPE>{d.type}\n<SEQUENCE>{d.seq}\n<FILENAME>{d.name}\n"
        head += f"<DESCRIPTION>{d.description}\n<TEXT>\n"
        body = d.content
        if d.ixbrl:
            body = b"<XBRL>\n" + body + b"</XBRL>\n"
        out += head.encode() + body + b"</TEXT>\n</DOCUMENT>\n"
    return out + b"</SEC-DOCUMENT>\n"


def index_page(f: FilingSpec, docs: list[Document], txt_size: int) -> bytes:
    """The ``{acc}-index.html`` filing index page, in the real page's structure."""
    c = f.company
    accepted_utc = f.accepted.replace(tzinfo=None)
    return _render(
        "filing_index.html.j2",
        f=f,
        c=c,
        documents=docs,
        txt_size=txt_size,
        folder=f"/Archives/edgar/data/{f.cik}/{f.acc_nodash}",
        form_description=FORM_DESCRIPTIONS.get(f.form, f.form),
        film_number=film_number(f),
        phone_digits="".join(ch for ch in c.phone if ch.isdigit()),
        last_modified=format_datetime(accepted_utc).replace("-0000", "GMT"),
    )
