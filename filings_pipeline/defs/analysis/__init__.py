"""Dagster definitions for the analysis phase."""
