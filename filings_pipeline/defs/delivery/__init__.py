"""Dagster definitions for the delivery phase (the daily digest by email)."""
