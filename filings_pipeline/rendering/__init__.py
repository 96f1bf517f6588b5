"""Rendering domain: analysed filings -> article pages and emails (Jinja2). No dagster."""
