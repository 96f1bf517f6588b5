"""Content storage: SQLAlchemy Core tables for filings, analyses, articles, publications."""

from filings_pipeline.store.records import AnalysisRecord
from filings_pipeline.store.repository import ContentStore

__all__ = ["AnalysisRecord", "ContentStore"]
