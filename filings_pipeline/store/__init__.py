"""Content storage: SQLAlchemy Core tables for filings, analyses, articles, publications."""

from filings_pipeline.store.repository import AnalysisRecord, ContentStore

__all__ = ["AnalysisRecord", "ContentStore"]
