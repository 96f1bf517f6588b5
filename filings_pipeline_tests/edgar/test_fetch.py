"""The fetcher against a real local HTTP server: identity, errors, throttle pause, caching."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from filings_pipeline.edgar.fetch import (
    Fetcher,
    NotPublished,
    Paused,
    Throttled,
    Unavailable,
    UndeclaredTool,
    validate_identity,
)
from filings_pipeline.edgar.ratelimit import SharedRateLimiter
from filings_pipeline_tests.edgar.conftest import IDENTITY

DOC = "/Archives/edgar/data/72333/000007233323000015/jwn-20230301.htm"
INDEX = "/Archives/edgar/daily-index/2020/QTR1/form.20200318.idx"


def test_user_agent_is_the_declared_identity(server, make_fetcher) -> None:
    result = make_fetcher().get(server.base_url + DOC)
    assert b"NORDSTROM" in result.content.upper()
    (req,) = server.requests_for(DOC)
    assert req.headers["User-Agent"] == IDENTITY
    assert "gzip" in req.headers["Accept-Encoding"]


def test_access_denied_403_means_not_published_and_is_not_a_throttle(server, make_fetcher) -> None:
    fetcher = make_fetcher()
    with pytest.raises(NotPublished, match="403"):
        fetcher.get(server.base_url + "/Archives/edgar/daily-index/2020/QTR1/master.20200321.idx")
    assert fetcher.limiter.paused_for() == 0
    assert len(server.requests_for("master.20200321")) == 1


def test_throttle_page_pauses_every_process_then_resumes_slower(
    server, make_fetcher, fixtures_dir: Path
) -> None:
    page = (fixtures_dir / "errors" / "rate_limit_exceeded.html").read_bytes()
    server.inject(r"jwn-20230301", 429, page)
    pause = 0.8
    first, second = make_fetcher(pause=pause), make_fetcher(pause=pause)  # two "processes"
    other: dict[str, object] = {}

    def other_process() -> None:
        while first.limiter.paused_for() == 0:  # another process, after the throttle page
            time.sleep(0.005)
        other["result"] = second.get(server.base_url + "/files/company_tickers.json")

    thread = threading.Thread(target=other_process)
    thread.start()
    result = first.get(server.base_url + DOC)
    thread.join(10)
    assert b"NORDSTROM" in result.content.upper() and other["result"].status == 200
    throttled, retried = server.requests_for("jwn-20230301")
    assert throttled.status == 429 and retried.status == 200
    (ticker_req,) = server.requests_for("company_tickers")
    # Nobody sent anything during the pause: both requests came after it ended.
    assert retried.monotonic - throttled.monotonic >= pause
    assert ticker_req.monotonic - throttled.monotonic >= pause
    state = first.limiter.state()
    assert state["slow_until"] > state["pause_until"]  # resumes at a slower rate


def test_throttle_403_variant_is_recognised_and_gives_up_after_retries(
    server, make_fetcher, fixtures_dir: Path
) -> None:
    page = (fixtures_dir / "errors" / "rate_limit_exceeded.html").read_bytes()
    server.inject(r"jwn-20230301", 403, page, count=5)
    fetcher = make_fetcher(pause=0.05, throttle_retries=1)
    with pytest.raises(Throttled):
        fetcher.get(server.base_url + DOC)
    assert [r.status for r in server.requests_for("jwn")] == [403, 403]


def test_503_is_retried_with_backoff(server, make_fetcher) -> None:
    server.inject(r"jwn-20230301", 503, "maintenance", count=2)
    result = make_fetcher().get(server.base_url + DOC)
    assert result.status == 200
    assert [r.status for r in server.requests_for("jwn")] == [503, 503, 200]
    server.inject(r"company_tickers", 503, "maintenance", count=10)
    with pytest.raises(Unavailable, match="503"):
        make_fetcher(max_retries=2).get(server.base_url + "/files/company_tickers.json")
    assert len(server.requests_for("company_tickers")) == 3


def test_undeclared_tool_is_not_retried(server, make_fetcher) -> None:
    server.inject(r"jwn", 403, "undeclared")
    with pytest.raises(UndeclaredTool, match="EDGAR_IDENTITY"):
        make_fetcher().get(server.base_url + DOC)
    assert len(server.requests_for("jwn")) == 1


def test_archives_documents_are_cached_on_disk(server, make_fetcher, tmp_path: Path) -> None:
    first = make_fetcher().get(server.base_url + DOC)
    again = make_fetcher().get(server.base_url + DOC)  # a new fetcher: a re-run
    assert again.from_cache and again.content == first.content
    assert len(server.requests_for(DOC)) == 1


def test_indexes_use_conditional_requests(server, make_fetcher) -> None:
    fetcher = make_fetcher()
    first = fetcher.get(server.base_url + INDEX, conditional=True)
    second = fetcher.get(server.base_url + INDEX, conditional=True)
    reqs = server.requests_for(INDEX)
    assert [r.status for r in reqs] == [200, 304]
    assert "If-None-Match" in reqs[1].headers
    assert second.content == first.content and second.version == first.version


def test_file_urls_need_no_limiter(fixtures_dir: Path) -> None:
    fetcher = Fetcher(IDENTITY)
    url = (fixtures_dir / "index" / "master.20181231.idx").as_uri()
    assert b"HENRY SCHEIN" in fetcher.get(url).content
    with pytest.raises(NotPublished):
        fetcher.get((fixtures_dir / "index" / "nope.idx").as_uri())


def test_http_without_a_limiter_is_refused(server) -> None:
    with pytest.raises(Exception, match="SharedRateLimiter"):
        Fetcher(IDENTITY).get(server.base_url + DOC)


def test_identity_must_have_an_email() -> None:
    assert validate_identity(" Acme Corp ops@acme.com ") == "Acme Corp ops@acme.com"
    for bad in ("", "Acme Corp", "ops@acme.com", "python-requests/2.31"):
        with pytest.raises(ValueError, match="EDGAR_IDENTITY"):
            validate_identity(bad)


def test_limiter_spaces_requests_in_one_process(tmp_path: Path) -> None:
    clock = [1000.0]
    limiter = SharedRateLimiter(
        tmp_path, 4.0, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
    )
    starts = []
    for _ in range(5):
        limiter.acquire()
        starts.append(clock[0])
    assert starts == [1000.0, 1000.25, 1000.5, 1000.75, 1001.0]


def test_sensor_style_max_wait_raises_paused_instead_of_sleeping(server, tmp_path: Path) -> None:
    state = tmp_path / "edgar-state"
    SharedRateLimiter(state, 8.0, pause_seconds=600).trip()  # another process saw a throttle page
    fetcher = Fetcher(IDENTITY, SharedRateLimiter(state, 8.0, max_wait=0.5))
    with pytest.raises(Paused, match="paused after a throttle page"):
        fetcher.get(server.base_url + DOC)
    assert server.requests_for(DOC) == []  # nothing was sent during the pause


def test_limiter_recovers_from_a_wall_clock_jump(tmp_path: Path) -> None:
    clock = [10_000_000.0]
    limiter = SharedRateLimiter(
        tmp_path, 4.0, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
    )
    limiter.trip()
    clock[0] -= 86_400  # the clock went back a day: do not wait a day
    limiter.acquire()
    assert clock[0] == 10_000_000.0 - 86_400
