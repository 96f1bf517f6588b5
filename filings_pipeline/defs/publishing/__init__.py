"""Dagster definitions for the publishing phase."""
