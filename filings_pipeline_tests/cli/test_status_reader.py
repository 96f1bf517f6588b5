"""`status` reads a backfill's per-phase counts from Dagster's own backfill record (no daemon).

A real instance holds an asset backfill made by Dagster's API; its record is then moved on the
way the backfill daemon moves it (requested, materialized and failed subsets), and the reader
must report Dagster's counts for each phase, in the phase table's order.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import dagster as dg
from dagster._core.definitions.assets.graph.asset_graph_subset import AssetGraphSubset
from dagster._core.definitions.events import AssetKeyPartitionKey
from dagster._core.execution.backfill import PartitionBackfill

from filings_pipeline.cli.status import StatusReader, plain_text
from filings_pipeline.definitions import defs

ASSETS = ["filings", "analyses", "rendered_articles", "published_articles"]
DAYS = [(date(2026, 11, 2) + timedelta(days=i)).isoformat() for i in range(10)]


def _subset(graph, days_by_asset: dict[str, list[str]]) -> AssetGraphSubset:
    return AssetGraphSubset.from_asset_partition_set(
        {
            AssetKeyPartitionKey(dg.AssetKey(a), d)
            for a, days in days_by_asset.items()
            for d in days
        },
        graph,
    )


def test_counts_come_from_the_backfill_record() -> None:
    graph = defs.resolve_asset_graph()
    with dg.instance_for_test() as instance:
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id="abcd1234",
            asset_graph=graph,
            partition_names=DAYS,
            asset_selection=[dg.AssetKey(a) for a in reversed(ASSETS)],
            backfill_timestamp=time.time() - 120,
            tags={},
            dynamic_partitions_store=instance,
            all_partitions=False,
            title="ten days",
            description=None,
            run_config=None,
        )
        instance.add_backfill(backfill)
        reader = StatusReader(instance)
        fresh = reader.progress()  # the latest backfill
        assert [p.asset for p in fresh.phases] == ASSETS
        assert all(
            (p.targeted, p.queued, p.done, p.running) == (10, 10, 0, 0) for p in fresh.phases
        )

        # The daemon requested every ingest day and 9 analysis days; 10 ingested, 6 analysed,
        # one analysis day failed (its render and publish days are downstream of the failure).
        data = backfill.get_asset_backfill_data(graph)
        requested = {"filings": DAYS, "analyses": DAYS[:9], "rendered_articles": DAYS[:5]}
        materialized = {"filings": DAYS, "analyses": DAYS[:6], "rendered_articles": DAYS[:4]}
        failed = {a: [DAYS[8]] for a in ASSETS[1:]}
        moved = data._replace(
            requested_subset=_subset(graph, requested),
            materialized_subset=_subset(graph, materialized),
            failed_and_downstream_subset=_subset(graph, failed),
        )
        instance.update_backfill(backfill.with_asset_backfill_data(moved, instance, graph))

        bp = reader.progress("abcd1234")
        got = {p.asset: (p.done, p.running, p.queued, p.failed) for p in bp.phases}
        assert got == {
            "filings": (10, 0, 0, 0),
            "analyses": (6, 2, 1, 1),
            "rendered_articles": (4, 1, 4, 1),
            "published_articles": (0, 0, 9, 1),
        }
        assert bp.phases[1].done_days == DAYS[:6]
        assert bp.title == "ten days" and not bp.done and bp.eta_s is None
        assert "2 analyse 6/10 days done, 2 running, 1 queued, 1 failed" in plain_text(bp)
