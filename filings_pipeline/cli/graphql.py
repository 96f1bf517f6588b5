"""The GraphQL calls the CLI makes: the same mutation the UI's "Launch backfill" uses."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from filings_pipeline.cli.backfill_state import BackfillProgress, PhaseProgress, in_phase_order

LAUNCH_BACKFILL = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on UnauthorizedError { message }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { stepKey invalidOutputName }
  }
}
"""

BACKFILL_STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      id status title timestamp endTimestamp numPartitions
      assetBackfillData {
        assetBackfillStatuses {
          ... on AssetPartitionsStatusCounts {
            assetKey { path }
            numPartitionsTargeted numPartitionsInProgress
            numPartitionsMaterialized numPartitionsFailed
          }
        }
      }
    }
    ... on PythonError { message }
    ... on BackfillNotFoundError { message }
  }
}
"""


class GraphQLError(RuntimeError):
    """The webserver refused or failed a GraphQL call."""


def graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """POST a query to `<url>/graphql` and return `data`, raising on errors."""
    resp = requests.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, timeout=60
    )
    resp.raise_for_status()
    body = resp.json()
    if body.get("errors"):
        raise GraphQLError("; ".join(e.get("message", str(e)) for e in body["errors"]))
    return body["data"]


def launch_backfill(
    url: str, days: Sequence[str], assets: Sequence[str], tags: Mapping[str, str], title: str
) -> str:
    """Launch an asset backfill over `days` for `assets` through the run queue; its id."""
    params = {
        "partitionNames": list(days),
        "assetSelection": [{"path": [a]} for a in assets],
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
        "title": title,
    }
    result = graphql(url, LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise GraphQLError(f"{result['__typename']}: {result.get('message', result)}")
    return result["backfillId"]


def backfill_state(url: str, backfill_id: str) -> BackfillProgress:
    """Read a backfill's status and Dagster's per-asset counts through GraphQL."""
    data = graphql(url, BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
    if data["__typename"] != "PartitionBackfill":
        raise GraphQLError(data.get("message", data["__typename"]))
    phases = [
        PhaseProgress.from_counts(
            "/".join(s["assetKey"]["path"]),
            targeted=s["numPartitionsTargeted"],
            materialized=s["numPartitionsMaterialized"],
            in_progress=s["numPartitionsInProgress"],
            failed=s["numPartitionsFailed"],
        )
        for s in (data.get("assetBackfillData") or {}).get("assetBackfillStatuses", [])
        if "assetKey" in s
    ]
    return BackfillProgress(
        backfill_id=data["id"],
        status=data["status"],
        title=data.get("title") or "",
        started=data.get("timestamp") or 0.0,
        ended=data.get("endTimestamp"),
        now=time.time(),
        phases=in_phase_order(phases),
    )


REPOSITORIES = """
query Repositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } } }
    ... on PythonError { message }
  }
}
"""

LAUNCH_RUN = """
mutation LaunchRun($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""

IMPLICIT_ASSET_JOB = "__ASSET_JOB"


def repository_location(url: str) -> tuple[str, str]:
    """(code location name, repository name) of the deployment's one code location."""
    data = graphql(url, REPOSITORIES, {})["repositoriesOrError"]
    if data["__typename"] != "RepositoryConnection" or not data["nodes"]:
        raise GraphQLError(data.get("message", "no code location loaded"))
    node = data["nodes"][0]
    return node["location"]["name"], node["name"]


def launch_asset_run(
    url: str,
    assets: Sequence[str],
    partition: str,
    tags: Mapping[str, str] | None = None,
    location: tuple[str, str] | None = None,
) -> str:
    """Launch one run of `assets` for one partition the way the UI's "Materialize" button does
    (the implicit asset job, only the partition tag unless `tags` adds some); the run id.
    `location`: (code location, repository), looked up when not given."""
    location, repository = location or repository_location(url)
    all_tags = {"dagster/partition": partition, **(tags or {})}
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": repository,
            "pipelineName": IMPLICIT_ASSET_JOB,
            "assetSelection": [{"path": [a]} for a in assets],
        },
        "runConfigData": {},
        "mode": "default",
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in all_tags.items()]},
    }
    result = graphql(url, LAUNCH_RUN, {"executionParams": params})["launchRun"]
    if result["__typename"] != "LaunchRunSuccess":
        detail = result.get("message") or result.get("errors") or result
        raise GraphQLError(f"{result['__typename']}: {detail}")
    return result["run"]["runId"]
