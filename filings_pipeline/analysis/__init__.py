"""Analysis domain: the analysis schema and the analyzers that fill it. No dagster here."""
