"""EDGAR domain: index parsing, filing documents, text extraction, sources. No dagster here.

Modules: `index` (daily/quarterly index files), `filing_index` (`-index.html` pages),
`submission` (complete-submission `.txt`), `text` (HTML/iXBRL -> clean text), `items` (8-K item
table), `sections` (item sections), `tickers`, `urls`, `ratelimit` (deployment-wide request
budget), `fetch` (polite http(s)/file:// fetcher with caching), `edgar_source` (EdgarSource, the
FilingSource), `factory` (make_source from Settings), `feed` (Atom feed, sensor change detection).
"""
