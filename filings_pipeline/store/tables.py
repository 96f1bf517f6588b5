"""Table definitions, keyed by accession number; `day` is the filing-date partition."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

filings = sa.Table(
    "filings",
    metadata,
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("cik", sa.BigInteger, nullable=False),
    sa.Column("company", sa.Text, nullable=False),
    sa.Column("form", sa.String(20), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # ok | skipped
    sa.Column("skip_reason", sa.Text),
    sa.Column("text_length", sa.Integer, nullable=False, default=0),
    sa.Column("data", sa.JSON),  # the FilingHeader, for ok rows
    sa.Column("documents", sa.JSON),  # the Filing's text, sections, exhibits, for ok rows
    sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
)

analyses = sa.Table(
    "analyses",
    metadata,
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("prompt_version", sa.String(40), primary_key=True),
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("analyzer", sa.String(20), nullable=False),  # offline | bedrock
    sa.Column("status", sa.String(10), nullable=False),  # ok | failed
    sa.Column("error", sa.Text),
    sa.Column("payload", sa.JSON),  # Analysis.model_dump()
    sa.Column("figures_ok", sa.Boolean, nullable=False, default=True),
    sa.Column("figure_problems", sa.JSON),
    sa.Column("input_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("output_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("latency_ms", sa.Integer, nullable=False, default=0),
    sa.Column("cost_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("calls", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Who is making an analysis right now: one row per (accession, prompt version, model) while a
# run makes it; the holder renews `expires` (epoch seconds) while alive, so a crashed holder's
# claim runs out and another run takes the work over.
analysis_claims = sa.Table(
    "analysis_claims",
    metadata,
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("prompt_version", sa.String(40), primary_key=True),
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False, index=True),
    sa.Column("expires", sa.Float, nullable=False),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("prompt_version", sa.String(40), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("publishable", sa.Boolean, nullable=False),
    sa.Column("hold_reason", sa.Text),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),  # the RenderedArticle
    sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=False),
)

publications = sa.Table(
    "publications",
    metadata,
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("slug", sa.String(200)),
    sa.Column("status", sa.String(12), nullable=False),  # published | held
    sa.Column("reason", sa.Text),
    sa.Column("path", sa.Text),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
)

site_state = sa.Table(
    "site_state",
    metadata,
    sa.Column("destination", sa.String(500), primary_key=True),  # publisher location
    sa.Column("fingerprint", sa.String(64), nullable=False),  # of what the last sync published
    sa.Column("files", sa.Integer, nullable=False),
    sa.Column("articles", sa.Integer, nullable=False),
    sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
)

site_entries = sa.Table(
    "site_entries",
    metadata,
    # What the site lists of each published article (no page bodies): written with the day's
    # publications, read by the listings' narrow queries (newest N, a day, a company, a month).
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("month", sa.String(7), nullable=False, index=True),  # YYYY-MM of `day`
    sa.Column("cik", sa.BigInteger, nullable=False, index=True),
    sa.Column("company", sa.Text, nullable=False),
    sa.Column("sort_key", sa.String(32), nullable=False, index=True),  # UTC time, sortable
    sa.Column("lastmod", sa.Date, nullable=False),  # the sitemap's lastmod of its page
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("entry", sa.JSON, nullable=False),  # the RenderedArticle without its bodies
)

site_companies = sa.Table(
    "site_companies",
    metadata,
    # One row per company with listed articles (its newest name, that name's directory bucket,
    # its article count): kept with site_entries in the same transaction, so the company
    # directory reads one bucket, not every company.
    sa.Column("cik", sa.BigInteger, primary_key=True),
    sa.Column("company", sa.Text, nullable=False),
    sa.Column("bucket", sa.String(8), nullable=False, index=True),
    sa.Column("articles", sa.Integer, nullable=False),
)

site_day_stats = sa.Table(
    "site_day_stats",
    metadata,
    # One row per day with listed articles (count, newest lastmod): kept like site_companies,
    # so the day and month directories never aggregate site_entries.
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("month", sa.String(7), nullable=False, index=True),
    sa.Column("articles", sa.Integer, nullable=False),
    sa.Column("lastmod", sa.Date, nullable=False),
)

site_files = sa.Table(
    "site_files",
    metadata,
    # What each destination holds (path -> digest, headers): publishers diff against this
    # instead of listing the bucket or folder.
    sa.Column("destination", sa.String(500), primary_key=True),
    sa.Column("path", sa.String(400), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),  # or "pending" while being written
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("cache_control", sa.String(100), nullable=False),
)

site_directory = sa.Table(
    "site_directory",
    metadata,
    # The company directory as each destination lists it (cik -> the name it lists): a publish
    # rewrites the buckets where it differs from site_companies, then records them, so a
    # second destination or a re-run after a crash still finds what it has to rewrite.
    sa.Column("destination", sa.String(500), primary_key=True),
    sa.Column("cik", sa.BigInteger, primary_key=True),
    sa.Column("company", sa.Text, nullable=False),
)

site_days = sa.Table(
    "site_days",
    metadata,
    # The day's decisions a destination last synced successfully (a re-run with the same
    # decisions and site configuration does nothing).
    sa.Column("destination", sa.String(500), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("decisions", sa.String(64), nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    # The delivery ledger: one row per (digest day, recipient), claimed before sending.
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("recipient", sa.String(320), primary_key=True),  # lower-cased address
    sa.Column("status", sa.String(12), nullable=False),  # sending | sent | failed | retry
    sa.Column("digest_hash", sa.String(64), nullable=False),  # of the digest sent or claimed
    sa.Column("message_id", sa.String(300), nullable=False),
    sa.Column("transport", sa.String(10), nullable=False),  # smtp | ses
    sa.Column("provider_id", sa.String(300)),  # the server's queue id / SES MessageId
    sa.Column("reason", sa.Text),  # why it failed (or last transient error)
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("sends", sa.Integer, nullable=False, default=0),  # accepted sends, all versions
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)

reviews = sa.Table(
    "reviews",
    metadata,
    # An editor's decision on one article, for the content (hash) that was reviewed.
    sa.Column("accession", sa.String(25), primary_key=True),
    sa.Column("decision", sa.String(10), nullable=False),  # approved | rejected
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("editor", sa.String(200)),
    sa.Column("seq", sa.BigInteger, nullable=False),  # increases with every decision
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)


batch_budgets = sa.Table(
    "batch_budgets",
    metadata,
    # One USD budget shared by every run of a CLI launch (keyed by its filings/batch id).
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("limit_usd", sa.Float, nullable=False),
    sa.Column("spent_usd", sa.Float, nullable=False, default=0.0),  # settled calls
    sa.Column("reserved_usd", sa.Float, nullable=False, default=0.0),  # calls in flight
    sa.Column("refused", sa.Integer, nullable=False, default=0),  # calls not started
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


batch_cancels = sa.Table(
    "batch_cancels",
    metadata,
    # A canceled CLI launch (batch): its launcher queues no further day, the follow-up sensor
    # no second stage, whatever was in flight when `cancel` ran.
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=False),
)


def add_missing_columns(engine: sa.Engine) -> None:
    """Add columns a store made by an earlier version lacks (create_all only adds tables).

    An old filings row keeps its documents in `data`; reads merge both columns."""
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=engine.dialect)
                with engine.begin() as conn:
                    conn.execute(
                        sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
                    )
