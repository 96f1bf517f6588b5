"""What a backfill's Bedrock calls will cost, before any is made. No dagster here.

filings without a current analysis x tokens per filing (the mean the content store recorded for
the model so far, or the stated default below) x the model's price (:mod:`pricing`). Days not
ingested yet have no filings to count: they are estimated at the mean filings per ingested day
of the plan (or DEFAULT_FILINGS_PER_DAY) and said to be an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

from filings_pipeline.analysis.pricing import price_for

# Stated defaults when nothing was measured yet (the local Converse server's sample answers
# average about 1,300 input and 200 output tokens per 8-K; a real 10-K is larger).
DEFAULT_INPUT_TOKENS = 1500
DEFAULT_OUTPUT_TOKENS = 400
DEFAULT_FILINGS_PER_DAY = 30


@dataclass(frozen=True)
class CostEstimate:
    """The estimate and what it rests on."""

    model: str
    filings: int  # ingested filings without a current analysis
    assumed_filings: int  # on days not ingested yet
    input_tokens_per_filing: float
    output_tokens_per_filing: float
    measured_over: int  # analyses the per-filing tokens are the mean of; 0: the defaults
    input_per_mtok: float
    output_per_mtok: float

    @property
    def usd_per_filing(self) -> float:
        return (
            self.input_tokens_per_filing * self.input_per_mtok
            + self.output_tokens_per_filing * self.output_per_mtok
        ) / 1e6

    @property
    def usd(self) -> float:
        return (self.filings + self.assumed_filings) * self.usd_per_filing

    def describe(self) -> str:
        """One line for the plan."""
        basis = (
            f"mean of {self.measured_over} analyses so far"
            if self.measured_over
            else "stated default, nothing measured yet"
        )
        assumed = (
            f" + {self.assumed_filings} assumed on days not ingested yet"
            if self.assumed_filings
            else ""
        )
        return (
            f"Estimated Bedrock cost: ${self.usd:.2f} = {self.filings} filings without a "
            f"current analysis{assumed} x {self.input_tokens_per_filing:.0f} in + "
            f"{self.output_tokens_per_filing:.0f} out tokens ({basis}) at "
            f"${self.input_per_mtok:g}/${self.output_per_mtok:g} per 1M tokens ({self.model})"
        )


def estimate_cost(
    model: str,
    unanalysed: int,
    days_not_ingested: int,
    filings_per_ingested_day: float | None,
    measured: tuple[float, float, int] | None,
) -> CostEstimate:
    """The estimate for `unanalysed` known filings plus `days_not_ingested` unknown days."""
    price = price_for(model)
    per_day = filings_per_ingested_day if filings_per_ingested_day else DEFAULT_FILINGS_PER_DAY
    tokens_in, tokens_out, n = measured or (DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, 0)
    return CostEstimate(
        model=model,
        filings=unanalysed,
        assumed_filings=round(days_not_ingested * per_day),
        input_tokens_per_filing=tokens_in,
        output_tokens_per_filing=tokens_out,
        measured_over=n,
        input_per_mtok=price.input_per_mtok,
        output_per_mtok=price.output_per_mtok,
    )
