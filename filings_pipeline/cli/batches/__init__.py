"""Backfills that do only what is missing: plan from the instance, launch straight onto the
run queue under one batch tag, follow, cancel. Dagster-aware (reads the instance), apart from
the pure domain core; the CLI and the `stale_days_job` use it."""
