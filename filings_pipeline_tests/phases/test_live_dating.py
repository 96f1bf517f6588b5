"""Which partition a live filing lands on, through ingest into the store (not only the decision).

Real HTTP to the local EDGAR-like server (feed, release clock, daily indexes held back until
night), the real Fetcher and the real content store; no dagster here.

- An amendment (8-K/A) is its own filing on the day SEC dates it: the feed's `8-K` request
  lists it, the live ingest stores it as an 8-K/A on that day, and the nightly index keeps it
  there once.
- A filing accepted after 5:30 p.m. ET is dated the next business day by SEC: the feed shows
  it that evening, but the evening's live ingest leaves it out of the day; the next day's live
  ingest stores it, and both nights' indexes agree (on the next day, once; never on the first).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from filings_pipeline.devtools.mirror_server import MirrorServer
from filings_pipeline.phases.ingest import LiveRequest, ingest_day
from filings_pipeline.sample import ManifestFiling, SampleManifest
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.phases.conftest import edgar_source
from filings_pipeline_tests.phases.test_live_ingest import LATER, feed_accessions

MON, TUE = date(2026, 11, 16), date(2026, 11, 17)
THU, FRI = date(2026, 11, 19), date(2026, 11, 20)  # the sample's seed files an 8-K/A on FRI
MIRROR_DAYS = (MON, TUE, THU, FRI)
FILINGS_PER_DAY = 8
WITHHELD_INDEXES = MIRROR_DAYS  # every index comes at its night


def store_at(tmp_path: Path) -> ContentStore:
    return ContentStore(f"sqlite:///{tmp_path / 'c.db'}")


def forms_on(store: ContentStore, day: date) -> dict[str, str]:
    return {f.accession: f.form for f in store.filings_for_day(day)}


def release_only(server: MirrorServer, manifest: SampleManifest, public: set[str]) -> None:
    """Every filing of the mirror not in `public` is not accepted yet."""
    server.release({f.accession: 0.0 if f.accession in public else LATER for f in manifest.filings})


def accept_at(manifest: SampleManifest, filing: ManifestFiling, when: datetime) -> None:
    """Re-date the filing's acceptance (Eastern wall-clock) in every file that states it: the
    submissions JSON (which the server's feed reads), the filing's index pages and header.
    Its filing date (the day SEC dates it, and its day's index) stays as it is."""
    sub_path = manifest.root / "data.sec.gov" / "submissions" / f"CIK{filing.cik:010d}.json"
    data = json.loads(sub_path.read_text("utf-8"))
    recent = data["filings"]["recent"]
    i = recent["accessionNumber"].index(filing.accession)
    old = datetime.fromisoformat(recent["acceptanceDateTime"][i][:19])
    formats = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S")
    archives = manifest.root / "www.sec.gov" / "Archives" / "edgar" / "data" / str(filing.cik)
    files = [sub_path, *archives.glob(f"{filing.accession}*"), *archives.glob(
        f"{filing.accession.replace('-', '')}/*")]  # fmt: skip
    for path in files:
        if path.suffix not in {".json", ".htm", ".html", ".txt"}:
            continue
        text = path.read_text("utf-8")
        for fmt in formats:
            text = text.replace(old.strftime(fmt), when.strftime(fmt))
        path.write_text(text, "utf-8")


def test_an_amendment_lands_on_its_own_filing_day_as_an_8k_a(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    amendment = next(f for f in manifest.for_day(FRI) if f.form == "8-K/A")
    thursday = {f.accession for f in manifest.for_day(THU)}
    release_only(server, manifest, thursday | {f.accession for f in manifest.for_day(FRI)})
    server.withhold_index(THU.isoformat(), withheld=False)  # Thursday's night has passed
    assert amendment.accession in feed_accessions(server, type="8-K", count="100")
    store = store_at(tmp_path)
    src = edgar_source(server, tmp_path / "state", tmp_path / "cache")

    ingest_day(src, store, THU)  # Thursday from its index
    live = ingest_day(src, store, FRI, live=LiveRequest())  # Friday, live from the feed
    assert live.live
    assert forms_on(store, FRI)[amendment.accession] == "8-K/A"
    assert amendment.accession not in forms_on(store, THU)
    assert set(forms_on(store, THU)) == thursday

    server.withhold_index(FRI.isoformat(), withheld=False)  # Friday's index at night
    night = ingest_day(src, store, FRI, live=LiveRequest())
    assert night.published and not night.live
    stored = store.accessions_for_day(FRI)
    assert stored.count(amendment.accession) == 1
    assert forms_on(store, FRI)[amendment.accession] == "8-K/A"
    assert set(stored) == {f.accession for f in manifest.for_day(FRI)}


def test_a_filing_accepted_after_530_pm_lands_on_the_next_business_day(
    manifest: SampleManifest, server: MirrorServer, tmp_path: Path
) -> None:
    late = manifest.for_day(TUE)[-1]  # SEC dates it Tuesday ...
    accept_at(manifest, late, datetime(2026, 11, 16, 18, 5, 0))  # ... accepted Monday 6:05 p.m.
    monday = {f.accession for f in manifest.for_day(MON)}
    release_only(server, manifest, monday | {late.accession})  # Monday evening
    assert late.accession in feed_accessions(server, count="100")  # the feed shows it tonight
    store = store_at(tmp_path)
    src = edgar_source(server, tmp_path / "state", tmp_path / "cache")

    evening = ingest_day(src, store, MON, live=LiveRequest(((late.cik, late.accession),)))
    assert evening.live
    assert set(store.accessions_for_day(MON)) == monday  # not on Monday, not even asked for

    server.withhold_index(MON.isoformat(), withheld=False)  # Monday's index at night
    ingest_day(src, store, MON, live=LiveRequest())
    assert set(store.accessions_for_day(MON)) == monday

    tuesday = {f.accession for f in manifest.for_day(TUE)}
    release_only(server, manifest, monday | tuesday)  # Tuesday's filings come out
    ingest_day(src, store, TUE, live=LiveRequest())  # Tuesday, live from the feed
    assert late.accession in store.accessions_for_day(TUE)
    server.withhold_index(TUE.isoformat(), withheld=False)  # Tuesday's index at night
    night = ingest_day(src, store, TUE, live=LiveRequest())
    assert night.published
    stored = store.accessions_for_day(TUE)
    assert stored.count(late.accession) == 1 and set(stored) == tuesday
    assert late.accession not in store.accessions_for_day(MON)
