"""Fiscal calendars and consistent financial figures for sample filings."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta

from filings_pipeline.sample.companies import Company

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}


@dataclass(frozen=True)
class FiscalPeriod:
    """A fiscal quarter (quarter 4 is the fiscal year end)."""

    end: date
    quarter: int
    fiscal_year: int

    @property
    def is_year_end(self) -> bool:
        return self.quarter == 4

    @property
    def label(self) -> str:
        """E.g. "third quarter of fiscal 2026"."""
        return f"{ORDINALS[self.quarter]} quarter of fiscal {self.fiscal_year}"


def month_end(year: int, month: int) -> date:
    """Last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def latest_fiscal_period(company: Company, on: date, min_lag_days: int) -> FiscalPeriod:
    """Latest fiscal quarter of ``company`` that ended ``min_lag_days`` or more before ``on``."""
    fye_month = int(company.fiscal_year_end[:2])
    quarter_months = {(fye_month - 1 + 3 * k) % 12 + 1 for k in range(4)}
    limit = on - timedelta(days=min_lag_days)
    year, month = limit.year, limit.month
    while True:
        end = month_end(year, month)
        if month in quarter_months and end <= limit:
            break
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    q = ((month - fye_month) % 12) // 3
    fiscal_year = year if month <= fye_month else year + 1
    return FiscalPeriod(end=end, quarter=q or 4, fiscal_year=fiscal_year)


def money(musd: float) -> str:
    """Dollar amount given in millions, in words: "$1.24 billion", "$312.5 million"."""
    sign = "-" if musd < 0 else ""
    v = abs(musd)
    if v >= 1000:
        return f"{sign}${v / 1000:,.2f} billion"
    return f"{sign}${v:,.1f} million"


def table_money(musd: float) -> str:
    """Millions for a table cell: "1,234.5" or "(12.3)"."""
    return f"({abs(musd):,.1f})" if musd < 0 else f"{musd:,.1f}"


def per_share(v: float) -> str:
    """Per-share amount: "$0.87" or "$(0.12)"."""
    return f"$({abs(v):.2f})" if v < 0 else f"${v:.2f}"


def pct_change(cur: float, prior: float) -> float:
    """Percent change from ``prior`` to ``cur`` (0 when prior is 0)."""
    return 0.0 if prior == 0 else (cur - prior) / abs(prior) * 100.0


def change_words(cur: float, prior: float) -> str:
    """ "an increase of 12.4%" / "a decrease of 3.1%" / "flat"."""
    p = pct_change(cur, prior)
    if abs(p) < 0.05:
        return "flat"
    return f"an increase of {p:.1f}%" if p > 0 else f"a decrease of {abs(p):.1f}%"


@dataclass(frozen=True)
class QuarterResults:
    """Income-statement figures for a period and the same period a year earlier ($ millions)."""

    revenue: float
    prior_revenue: float
    gross_profit: float
    prior_gross_profit: float
    operating_income: float
    prior_operating_income: float
    net_income: float
    prior_net_income: float
    eps: float
    prior_eps: float
    adjusted_eps: float
    cash: float
    shares: float

    def table_rows(self) -> list[list[str]]:
        """Rows of a results table: label, current, prior, change."""

        def row(label: str, cur: float, prior: float) -> list[str]:
            return [label, table_money(cur), table_money(prior), f"{pct_change(cur, prior):.1f}%"]

        return [
            row("Revenue", self.revenue, self.prior_revenue),
            row("Gross profit", self.gross_profit, self.prior_gross_profit),
            row("Operating income", self.operating_income, self.prior_operating_income),
            row("Net income", self.net_income, self.prior_net_income),
            [
                "Diluted earnings per share",
                per_share(self.eps),
                per_share(self.prior_eps),
                f"{pct_change(self.eps, self.prior_eps):.1f}%",
            ],
        ]


def quarter_results(rng: random.Random, company: Company, months: int = 3) -> QuarterResults:
    """Plausible, internally consistent results for a period of ``months`` months."""
    base = company.annual_revenue_musd * months / 12.0
    revenue = round(base * rng.uniform(0.92, 1.15), 1)
    growth = rng.uniform(-0.08, 0.22)
    prior_revenue = round(revenue / (1 + growth), 1)
    gm, pgm = rng.uniform(0.22, 0.68), rng.uniform(0.22, 0.68)
    # operating margin kept away from zero so figures never print as "$0.0 million"
    om = rng.uniform(-0.08, -0.02) if rng.random() < 0.12 else rng.uniform(0.03, 0.24)
    pom = om + rng.uniform(-0.05, 0.05)
    gross, prior_gross = round(revenue * gm, 1), round(prior_revenue * pgm, 1)
    op, prior_op = round(revenue * om, 1), round(prior_revenue * pom, 1)
    ni, prior_ni = (
        round(op * rng.uniform(0.62, 0.8), 1),
        round(prior_op * rng.uniform(0.62, 0.8), 1),
    )
    shares = company.shares_millions
    eps = round(ni / shares, 2)
    prior_eps = round(prior_ni / (shares * rng.uniform(1.0, 1.04)), 2)
    adjusted = round(eps + abs(eps) * rng.uniform(0.03, 0.2) + 0.02, 2)
    cash = round(company.annual_revenue_musd * rng.uniform(0.08, 0.35), 1)
    return QuarterResults(
        revenue, prior_revenue, gross, prior_gross, op, prior_op, ni, prior_ni, eps, prior_eps,
        adjusted, cash, shares,
    )  # fmt: skip


def long_date(d: date) -> str:
    """ "November 16, 2026"."""
    return f"{d:%B} {d.day}, {d.year}"
