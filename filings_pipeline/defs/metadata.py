"""Small helpers that turn phase reports into Dagster metadata, and declare their checks."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from filings_pipeline.phases.catalog import Phase


def md_table(
    rows: Mapping[str, str], key: str = "accession", value: str = "reason"
) -> dg.MetadataValue:
    """A two-column Markdown table; text is escaped so filing text cannot inject markup."""

    def esc(s: str) -> str:
        return (
            str(s)
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("|", "\\|")
        )[:300]

    if not rows:
        return dg.MetadataValue.md("_none_")
    lines = [f"| {key} | {value} |", "|---|---|"]
    lines += [f"| {esc(k)} | {esc(v)} |" for k, v in rows.items()]
    return dg.MetadataValue.md("\n".join(lines))


def md_list(items: list[str]) -> dg.MetadataValue:
    """A Markdown bullet list, escaped."""
    if not items:
        return dg.MetadataValue.md("_none_")
    return dg.MetadataValue.md(
        "\n".join("- " + s.replace("<", "&lt;").replace(">", "&gt;") for s in items)
    )


def phase_checks(phase: Phase, **descriptions: str) -> list[dg.AssetCheckSpec]:
    """The asset checks of a phase's asset: one spec per ``check_name="description"``."""
    return [
        dg.AssetCheckSpec(name, asset=phase.asset, description=text)
        for name, text in descriptions.items()
    ]
