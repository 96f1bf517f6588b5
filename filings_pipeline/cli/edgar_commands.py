"""Operator commands: `index DATE` (a day's kept filings) and `inspect ACCESSION` (one filing).

Both build the source from the same configuration as the pipeline (FILINGS_SOURCE, EDGAR_*),
so they work against live EDGAR, a local mirror server, or the sample mirror on disk.
"""

from __future__ import annotations

import json
from datetime import date

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from filings_pipeline.edgar.factory import make_source
from filings_pipeline.edgar.fetch import FetchError
from filings_pipeline.edgar.items import item_title
from filings_pipeline.edgar.models import FilingError
from filings_pipeline.edgar.sections import section_summary
from filings_pipeline.settings import settings


def _source(forms: tuple[str, ...] = ()):
    try:
        src = make_source(settings())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if forms:
        src.forms = tuple(f.strip() for raw in forms for f in raw.split(",") if f.strip())
    return src


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


@click.command("index")
@click.argument("day")
@click.option("--forms", multiple=True, help="Form types to keep, e.g. --forms 8-K,8-K/A.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def index_command(day: str, forms: tuple[str, ...], as_json: bool) -> None:
    """Print DAY's kept filings (YYYY-MM-DD) from the daily index."""
    the_day = _day(day)
    src = _source(forms)
    try:
        listing = src.list_day(the_day)
    except (FetchError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [
        {
            "accession": e.accession,
            "form": e.form,
            "cik": e.cik,
            "company": e.company,
            "date_filed": e.date_filed.isoformat(),
        }
        for e in listing.entries
    ]
    if as_json:
        out = {
            "day": the_day.isoformat(),
            "published": listing.published,
            "note": listing.note,
            "version": listing.version,
            "forms": list(src.forms),
            "filings": rows,
        }
        click.echo(json.dumps(out, indent=2))
        return
    console = Console()
    if not listing.published:
        console.print(Text(listing.note))
        return
    table = Table(title=Text(f"{the_day} — {listing.note}"))
    for col in ("accession", "form", "cik", "company", "filed"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *(Text(str(r[k])) for k in ("accession", "form", "cik", "company", "date_filed"))
        )
    console.print(table)


@click.command("inspect")
@click.argument("accession")
@click.option("--cik", type=int, help="Company CIK when the accession prefix is a filing agent's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def inspect_command(accession: str, cik: int | None, as_json: bool) -> None:
    """Print what the pipeline extracts from one filing."""
    src = _source()
    try:
        entry = src.locate(accession, cik)
        filing = src.fetch_filing(entry, entry.date_filed)
    except (FilingError, FetchError) as exc:
        raise click.ClickException(str(exc)) from exc
    info = {
        "accession": filing.accession,
        "company": filing.company,
        "cik": filing.cik,
        "tickers": filing.tickers,
        "form": filing.form,
        "date_filed": filing.date_filed.isoformat(),
        "accepted_at": filing.accepted_at.isoformat() if filing.accepted_at else None,
        "period_of_report": filing.period_of_report.isoformat()
        if filing.period_of_report
        else None,
        "items": [{"code": c, "title": item_title(c)} for c in filing.items],
        "sections": {
            code: {"length": len(text), "first_words": section_summary(text)}
            for code, text in filing.sections.items()
        },
        "primary_document": filing.primary_document,
        "primary_url": filing.primary_url,
        "index_url": filing.index_url,
        "exhibits": [
            {"type": e.type, "filename": e.filename, "text_length": len(e.text)}
            for e in filing.exhibits
        ],
        "text_length": len(filing.text),
    }
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    console = Console()
    head = Table(show_header=False, title=Text(f"{filing.form} {filing.accession}"))
    head.add_column("field")
    head.add_column("value")
    for key in (
        "company",
        "cik",
        "tickers",
        "form",
        "date_filed",
        "accepted_at",
        "period_of_report",
        "primary_document",
        "index_url",
        "text_length",
    ):
        value = info[key]
        head.add_row(key, Text(", ".join(value) if isinstance(value, list) else str(value)))
    console.print(head)
    items = Table(title="items (SEC metadata) and sections (from the text)")
    for col in ("item", "title", "section length", "first words"):
        items.add_column(col)
    for item in info["items"]:
        sec = info["sections"].get(item["code"])
        items.add_row(
            Text(item["code"]),
            Text(item["title"]),
            str(sec["length"]) if sec else "no heading found",
            Text(sec["first_words"] if sec else ""),
        )
    console.print(items)
    if info["exhibits"]:
        ex = Table(title="exhibits used")
        for col in ("type", "file", "text length"):
            ex.add_column(col)
        for e in info["exhibits"]:
            ex.add_row(Text(e["type"]), Text(e["filename"]), str(e["text_length"]))
        console.print(ex)
