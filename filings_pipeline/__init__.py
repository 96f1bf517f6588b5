"""filings_pipeline: SEC EDGAR filings in, news articles and newsletters out."""

__version__ = "0.1.0"
