"""Run tags that the run coordinator's tag concurrency limits (dagster.yaml) count.

Asset tags never become run tags, so every launch path we control sets these explicitly:
the phase jobs, the sensors, the automation sensors and the CLI's backfills. Runs launched
without them (a plain "Materialize" click) are still capped by the `bedrock` and `render`
pools and by the deployment-wide call slots.
"""

from __future__ import annotations

PHASE = "filings/phase"
LLM = {"filings/llm": "bedrock"}  # limit 5 in dagster.yaml
RENDER = {"filings/render": "jinja"}  # limit 3 in dagster.yaml

INGEST_TAGS = {PHASE: "ingest"}
ANALYZE_TAGS = {PHASE: "analyze", **LLM}
RENDER_TAGS = {PHASE: "render", **RENDER}
PUBLISH_TAGS = {PHASE: "publish"}
# A run (or backfill) of all four phases calls Bedrock, so it counts against the LLM limit;
# its render steps are capped by the `render` pool.
PIPELINE_TAGS = {PHASE: "all", **LLM}

POOL_LIMITS = {"bedrock": 5, "render": 3}
