"""Dagster definitions for editorial review (FILINGS_PUBLISH_MODE=review)."""
