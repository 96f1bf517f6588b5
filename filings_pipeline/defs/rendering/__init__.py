"""Dagster definitions for the rendering phase."""
