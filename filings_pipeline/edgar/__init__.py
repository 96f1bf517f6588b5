"""EDGAR domain: index parsing, filing documents, text extraction, sources. No dagster here."""
