"""Dagster definitions for the ingest phase."""
