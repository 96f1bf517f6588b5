"""The editor's job (approve or reject from the UI's Launchpad) and the sensor that
re-publishes every day an editor decided on, so the decision reaches the site (and, for a
recent day, the digest, which the delivery automation takes up after publishing)."""

from typing import Literal

import dagster as dg

from filings_pipeline.defs.jobs import PHASE_JOBS
from filings_pipeline.defs.resources import ContentStoreResource
from filings_pipeline.phases.catalog import PUBLISH
from filings_pipeline.phases.review import ReviewError, decide
from filings_pipeline.store.reviews import APPROVED, REJECTED

publish_job = PHASE_JOBS[PUBLISH.name]


class ReviewConfig(dg.Config):
    """What the editor decided (Launchpad config of review_job)."""

    accessions: list[str]
    decision: Literal["approve", "reject"]
    reason: str = ""
    editor: str = "dagster-ui"


@dg.op(description="Records an editor's decision on articles pending review.")
def record_review(
    context: dg.OpExecutionContext, config: ReviewConfig, store: ContentStoreResource
) -> None:
    decision = APPROVED if config.decision == "approve" else REJECTED
    try:
        decided = decide(
            store.get(),
            config.accessions,
            decision,
            reason=config.reason or None,
            editor=config.editor,
        )
    except ReviewError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from exc
    days = sorted({d.isoformat() for _, d in decided})
    context.log.info(
        f"{decision}: {', '.join(config.accessions)}; review_sensor re-publishes {', '.join(days)}"
    )


@dg.job(
    description="Approve or reject articles pending review (FILINGS_PUBLISH_MODE=review). "
    "Config: accessions, decision (approve | reject), reason (required to reject).",
    tags={"filings/phase": "review"},
)
def review_job() -> None:
    record_review()


@dg.sensor(
    target=publish_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-publishes each day an editor approved or rejected articles of.",
)
def review_sensor(
    context: dg.SensorEvaluationContext, store: ContentStoreResource
) -> dg.SensorResult | dg.SkipReason:
    content = store.get()
    cursor = int(context.cursor or 0)
    new = content.reviews.since(cursor)
    if not new:
        return dg.SkipReason("no new editorial decisions")
    rendered = content.reviews.rendered([r.accession for r in new])
    last_seq: dict[str, int] = {}
    for r in new:
        if r.accession in rendered:
            day = rendered[r.accession][0].isoformat()
            last_seq[day] = max(last_seq.get(day, 0), r.seq)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                partition_key=day,
                run_key=f"review:{day}:{seq}",
                tags={**PUBLISH.run_tags, "filings/launched_by": "review"},
            )
            for day, seq in sorted(last_seq.items())
        ],
        cursor=str(max(r.seq for r in new)),
    )
