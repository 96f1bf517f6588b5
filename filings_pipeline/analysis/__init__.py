"""Analysis domain: the validated analysis schema and the analyzers that fill it. No dagster here."""
