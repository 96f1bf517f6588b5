"""The one table of the pipeline's five phases. No dagster here.

Everything that names a phase reads it from this table: the assets' groups and pools, the
phase jobs and the automation sensors (``defs/``), the run tags the run queue's tag limits
count, the CLI's backfills, progress bars and `status`, and the benchmark.

A filing goes through the phases in this order: ``filings`` (ingest: fetched from the EDGAR
index and stored), ``analyses`` (analyse: one validated analysis per filing), ``rendered_articles``
(render: an article page and an email), ``published_articles`` (publish: on the site), then
the day's ``digest_emails`` (deliver: the digest to each reader once; its table, `deliveries`,
holds one row per reader rather than per filing).

Run tags: asset tags never become run tags, so every launch path we control sets a phase's
``run_tags`` explicitly (the phase jobs, the sensors, the automation sensors and the CLI's
backfills); dagster.yaml's tag concurrency limits count them. Runs launched without them (a
plain "Materialize" click) are still capped by the ``bedrock`` and ``render`` pools and by the
deployment-wide call slots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PHASE_TAG = "filings/phase"
LLM_TAGS: Mapping[str, str] = MappingProxyType({"filings/llm": "bedrock"})  # limit 5
RENDER_TAGS: Mapping[str, str] = MappingProxyType({"filings/render": "jinja"})  # limit 3
# The pools cap steps inside runs (dagster.yaml's tag limits cap the runs carrying the tags).
POOL_LIMITS: Mapping[str, int] = MappingProxyType({"bedrock": 5, "render": 3})


@dataclass(frozen=True)
class Phase:
    """One phase: its asset, where Dagster groups and limits it, and how it is shown."""

    name: str  # the value of the filings/phase run tag
    number: int  # 1..5, the order a filing goes through
    asset: str  # the asset key (one daily-partitioned asset per phase)
    group: str  # the asset group; its job and automation sensor select it
    label: str  # shown in progress bars and `status`
    table: str  # the content-store table that holds one row per filing this phase handled
    job_description: str
    extra_tags: Mapping[str, str] = field(default_factory=dict, hash=False)  # besides the phase
    pool: str | None = None  # the pool its step takes a slot of
    automated: bool = True  # taken up by an automation sensor once the phase before is done

    @property
    def run_tags(self) -> Mapping[str, str]:
        """Tags of every run launched for this phase alone (the run queue's limits count them)."""
        return MappingProxyType({PHASE_TAG: self.name, **self.extra_tags})

    @property
    def job(self) -> str:
        """The phase's asset job (its group, for one day)."""
        return f"{self.name}_job"

    @property
    def automation_sensor(self) -> str:
        """The automation sensor that takes a day up for this phase."""
        return f"{self.group}_automation"


INGEST = Phase(
    "ingest", 1, asset="filings", group="ingest", label="ingest", table="filings",
    job_description="Fetch a day's filings.",
    automated=False,  # the new-filings sensor requests its runs
)  # fmt: skip
ANALYZE = Phase(
    "analyze", 2, asset="analyses", group="analysis", label="analyse", table="analyses",
    extra_tags=LLM_TAGS, pool="bedrock",
    job_description="Analyse a day's filings (Bedrock-calling: limited to 5 runs at once).",
)  # fmt: skip
RENDER = Phase(
    "render", 3, asset="rendered_articles", group="render", label="render", table="articles",
    extra_tags=RENDER_TAGS, pool="render",
    job_description="Render a day's articles (limited to 3 runs at once).",
)  # fmt: skip
PUBLISH = Phase(
    "publish", 4, asset="published_articles", group="publish", label="publish",
    table="publications",
    job_description="Publish a day's articles and rebuild the site's indexes.",
)  # fmt: skip

DELIVER = Phase(
    "deliver", 5, asset="digest_emails", group="deliver", label="email", table="deliveries",
    job_description="Send a day's digest to the list (each reader once: the delivery ledger).",
)  # fmt: skip

PHASES: tuple[Phase, ...] = (INGEST, ANALYZE, RENDER, PUBLISH, DELIVER)
ASSETS: tuple[str, ...] = tuple(p.asset for p in PHASES)
# The runs of one CLI launch (`backfill`, `run`) share this tag (its value: the batch id that
# `status` and `cancel` take); dagster.yaml caps the runs in flight per batch.
BATCH_TAG = "filings/batch"
# A batch runs each day in two stages: the day's ingest + analyses (the Bedrock run, tagged
# filings/llm), then its render + publish (+ deliver) (tagged filings/render). The first run
# carries FOLLOW_UP_TAG = the last asset of the second stage; `batch_follow_up_sensor` queues
# the second once the first succeeded, tagged FOLLOWS_TAG = the first run's id. So a day's
# rendering never holds a Bedrock run slot, its analysis never holds a render run slot, and
# the analyses of later days overlap the rendering of earlier ones.
FOLLOW_UP_TAG = "filings/then"
FOLLOWS_TAG = "filings/follows"
# Set on a first run whose day another run (the render automation) rendered instead.
FOLLOWED_ELSEWHERE_TAG = "filings/followed_by"
# `cancel` tags every run of the batch with this, so no follow-up is queued after it.
CANCELED_TAG = "filings/batch_canceled"
# The run queue dequeues higher values first (then first come, first served), each run still
# within the tag limits: a live run takes the next free render run slot before the queued days
# of a backfill, which in turn yield to every other run (sensor, automation, Materialize).
PRIORITY_TAG = "dagster/priority"
LIVE_PRIORITY = "10"
BATCH_PRIORITY = "-1"


def phase_of(asset: str) -> Phase | None:
    """The phase whose asset this is (None for an asset not in the table)."""
    return next((p for p in PHASES if p.asset == asset), None)


def tags_for(assets: Iterable[str]) -> dict[str, str]:
    """The run tags of a run of these assets: the Bedrock tag only if it analyses, the render
    tag only if it renders (so a run that makes no Bedrock call holds none of the 5 slots),
    and the phase tag naming the one phase, or "all" / "a+b" for several."""
    chosen = [p for p in PHASES if p.asset in set(assets)]
    if not chosen:
        raise ValueError(f"no phase's asset among {list(assets)}")
    if len(chosen) == 1:
        name = chosen[0].name
    else:
        name = "all" if len(chosen) == len(PHASES) else "+".join(p.name for p in chosen)
    tags = {PHASE_TAG: name}
    for p in chosen:
        tags.update(p.extra_tags)
    return tags


# A run of all the phases calls Bedrock and renders: it counts against both run limits.
PIPELINE_TAGS: Mapping[str, str] = MappingProxyType(tags_for(ASSETS))


def day_stages(assets: Iterable[str]) -> list[list[str]]:
    """The runs a batch makes of one day's assets, in order: the phases up to the analyses
    (ingest, analyse), then the rest (render, publish, deliver); one run when only one side
    has work."""
    chosen = [p.asset for p in PHASES if p.asset in set(assets)]
    cut = PHASES.index(ANALYZE) + 1
    first = [a for a in chosen if a in ASSETS[:cut]]
    rest = [a for a in chosen if a in ASSETS[cut:]]
    return [s for s in (first, rest) if s]


def follow_up_assets(last: str) -> list[str]:
    """The assets of a follow-up run ending at `last` (FOLLOW_UP_TAG's value): render on."""
    if last not in ASSETS[PHASES.index(RENDER) :]:
        raise ValueError(f"{last!r} is not a phase after the analyses")
    return list(ASSETS[PHASES.index(RENDER) : ASSETS.index(last) + 1])


def assets_through(last: Phase) -> list[str]:
    """The assets of the phases up to and including `last`, in order."""
    return [p.asset for p in PHASES[: PHASES.index(last) + 1]]
