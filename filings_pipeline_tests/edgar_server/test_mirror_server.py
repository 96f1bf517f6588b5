"""The EDGAR look-alike server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import requests

from filings_pipeline.devtools.mirror_server import MirrorServer, fixture_routes
from filings_pipeline.sample import default_sample_days, generate_mirror

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / ".." / "shared" / "fixtures" / "edgar"
SKIP_REASON = "../shared/fixtures/edgar not present (a user's clone has no ../shared)"
UA = {"User-Agent": "Filings Pipeline Tests tests@example.com"}
needs_fixtures = pytest.mark.skipif(not FIXTURES.exists(), reason=SKIP_REASON)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    return generate_mirror(tmp_path_factory.mktemp("mirror"), default_sample_days())


@pytest.fixture()
def server(mirror, tmp_path):
    with MirrorServer(
        mirror.root, fixtures=FIXTURES if FIXTURES.exists() else None,
        log_path=tmp_path / "requests.jsonl",
    ) as srv:  # fmt: skip
        yield srv


def test_serves_generated_mirror(server, mirror):
    day = mirror.days[0]
    url = f"{server.archives_url}/edgar/daily-index/2026/QTR4/master.{day:%Y%m%d}.idx"
    r = requests.get(url, headers=UA, timeout=10)
    assert r.status_code == 200
    path = (
        mirror.root
        / "www.sec.gov/Archives/edgar/daily-index/2026/QTR4"
        / f"master.{day:%Y%m%d}.idx"
    )
    assert r.content == path.read_bytes()
    assert r.headers["ETag"] and r.headers["Last-Modified"]
    f = mirror.filings[0]
    sub = requests.get(
        f"{server.data_url}/submissions/CIK{f.cik:010d}.json", headers=UA, timeout=10
    )
    assert sub.status_code == 200 and sub.headers["Content-Type"].startswith("application/json")
    assert f.accession in sub.json()["filings"]["recent"]["accessionNumber"]
    prefixed = requests.get(f"{server.base_url}/data.sec.gov/submissions/CIK{f.cik:010d}.json",
                            headers=UA, timeout=10)  # fmt: skip
    assert prefixed.content == sub.content
    page = requests.get(f"{server.archives_url}/edgar/data/{f.cik}/{f.accession}-index.html",
                        headers=UA, timeout=10)  # fmt: skip
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    tickers = requests.get(f"{server.base_url}/files/company_tickers.json", headers=UA, timeout=10)
    assert tickers.status_code == 200 and tickers.json()["0"]["cik_str"]
    head = requests.head(url, headers=UA, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == len(r.content)


def test_quarter_directory_listing(server, mirror):
    r = requests.get(f"{server.archives_url}/edgar/daily-index/2026/QTR4/", headers=UA, timeout=10)
    assert r.status_code == 200 and "Directory listing of daily-index/2026/QTR4/" in r.text
    import re

    listed = set(re.findall(r'href="(master\.(\d{8})\.idx)"', r.text))
    assert {d for _, d in listed} == {f"{d:%Y%m%d}" for d in mirror.days}
    again = requests.get(r.url, headers={**UA, "If-None-Match": r.headers["ETag"]}, timeout=10)
    assert again.status_code == 304


def test_missing_paths_answer_like_edgar(server):
    weekend = f"{server.archives_url}/edgar/daily-index/2026/QTR4/master.20261121.idx"
    r = requests.get(weekend, headers=UA, timeout=10)
    assert r.status_code == 403
    assert r.headers["Content-Type"] == "application/xml"
    assert "<Code>AccessDenied</Code><Message>Access Denied</Message>" in r.text
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    traversal = requests.get(f"{server.base_url}/Archives/../../etc/passwd", headers=UA, timeout=10)
    assert traversal.status_code == 403
    nokey = requests.get(
        f"{server.data_url}/submissions/CIK0000000001.json", headers=UA, timeout=10
    )
    assert nokey.status_code == 404 and "<Code>NoSuchKey</Code>" in nokey.text


def test_conditional_requests_get_304(server, mirror):
    day = mirror.days[1]
    url = f"{server.archives_url}/edgar/daily-index/2026/QTR4/form.{day:%Y%m%d}.idx"
    first = requests.get(url, headers=UA, timeout=10)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    r = requests.get(url, headers={**UA, "If-None-Match": etag}, timeout=10)
    assert r.status_code == 304 and r.content == b"" and r.headers["ETag"] == etag
    r = requests.get(url, headers={**UA, "If-Modified-Since": modified}, timeout=10)
    assert r.status_code == 304
    r = requests.get(url, headers={**UA, "If-None-Match": '"stale"'}, timeout=10)
    assert r.status_code == 200 and r.content == first.content
    r = requests.get(url, headers={**UA, "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
                     timeout=10)  # fmt: skip
    assert r.status_code == 200


def test_user_agent_must_declare_an_email(server, mirror):
    url = f"{server.base_url}/files/company_tickers.json"
    for headers in ({"User-Agent": ""}, {"User-Agent": "python-requests/2.32"}):
        r = requests.get(url, headers=headers, timeout=10)
        assert r.status_code == 403
        assert "Undeclared Automated Tool" in r.text and "text/html" in r.headers["Content-Type"]
    assert requests.get(url, headers=UA, timeout=10).status_code == 200


def test_injected_throttle_and_maintenance(server):
    url = f"{server.base_url}/files/company_tickers.json"
    server.inject(r"company_tickers", 429, "throttle")
    server.inject(r"company_tickers", 503, "maintenance")
    server.inject(r"company_tickers", 403, "throttle")
    r1 = requests.get(url, headers=UA, timeout=10)
    r2 = requests.get(url, headers=UA, timeout=10)
    r3 = requests.get(url, headers=UA, timeout=10)
    r4 = requests.get(url, headers=UA, timeout=10)
    assert r1.status_code == 429 and "Request Rate Threshold Exceeded" in r1.text
    assert r2.status_code == 503 and "SEC.gov | File Unavailable" in r2.text
    assert r3.status_code == 403 and "Request Rate Threshold Exceeded" in r3.text
    assert r4.status_code == 200
    server.inject(r"^/never$", 429, "throttle")
    assert requests.get(url, headers=UA, timeout=10).status_code == 200  # no match, not consumed
    with pytest.raises(ValueError):
        server.inject(".", 500, "nonsense")


def test_injected_exact_body_is_sent_as_given(server):
    url = f"{server.base_url}/files/company_tickers.json"
    page = b"<html><title>SEC.gov | Request Rate Threshold Exceeded</title>real page</html>"
    server.inject(r"company_tickers", 403, page, count=2)
    answers = [requests.get(url, headers=UA, timeout=10) for _ in range(3)]
    assert [r.status_code for r in answers] == [403, 403, 200]
    assert answers[0].content == page and answers[1].content == page


def test_put_serves_bytes_in_place_of_a_file_and_changes_the_etag(server, mirror):
    day = mirror.days[0]
    path = f"/Archives/edgar/daily-index/2026/QTR4/master.{day:%Y%m%d}.idx"
    on_disk = requests.get(server.base_url + path, headers=UA, timeout=10)
    server.put(path, on_disk.content + b"one more row\n")  # the index is republished
    again = requests.get(
        server.base_url + path, headers={**UA, "If-None-Match": on_disk.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 200 and again.content == on_disk.content + b"one more row\n"
    assert again.headers["ETag"] != on_disk.headers["ETag"]
    same = requests.get(
        server.base_url + path, headers={**UA, "If-None-Match": again.headers["ETag"]}, timeout=10
    )
    assert same.status_code == 304
    server.put("/Archives/edgar/daily-index/2026/QTR4/master.20261231.idx", b"new day")
    new_day = requests.get(
        f"{server.archives_url}/edgar/daily-index/2026/QTR4/master.20261231.idx", headers=UA,
        timeout=10,
    )  # fmt: skip
    assert new_day.status_code == 200 and new_day.content == b"new day"
    assert [r.status for r in server.requests_for(path)] == [200, 200, 304]


def test_injected_503_for_the_first_k_requests_and_for_good(server):
    tickers = f"{server.base_url}/files/company_tickers.json"
    server.inject(r"company_tickers", 503, "maintenance", count=3)
    assert [requests.get(tickers, headers=UA, timeout=10).status_code for _ in range(5)] == [
        503, 503, 503, 200, 200,
    ]  # fmt: skip
    index = f"{server.base_url}/Archives/edgar/daily-index/2026/QTR4/master.20261116.idx"
    server.inject(r"master\.20261116", 503, "maintenance", count=None)
    assert {requests.get(index, headers=UA, timeout=10).status_code for _ in range(12)} == {503}
    assert requests.get(tickers, headers=UA, timeout=10).status_code == 200  # other paths
    server.clear_injections()
    assert requests.get(index, headers=UA, timeout=10).status_code == 200
    with pytest.raises(ValueError):
        server.inject(".", 503, "maintenance", count=0)


def test_rate_limit_mode(mirror):
    with MirrorServer(mirror.root, rate_limit=2) as srv:
        statuses = [
            requests.get(
                f"{srv.base_url}/files/company_tickers.json", headers=UA, timeout=10
            ).status_code
            for _ in range(20)
        ]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses
    assert set(statuses) <= {200, 429}


def test_request_log_and_jsonl(server, tmp_path):
    server.clear_log()
    url = f"{server.base_url}/files/company_tickers.json?x=1"
    requests.get(url, headers=UA, timeout=10)
    requests.get(f"{server.base_url}/Archives/nope", headers={"User-Agent": "bot"}, timeout=10)
    log = server.requests_log()
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", "/files/company_tickers.json?x=1", 200), ("GET", "/Archives/nope", 403)
    ]  # fmt: skip
    assert log[0].user_agent == UA["User-Agent"] and log[1].user_agent == "bot"
    assert log[0].client == "127.0.0.1"
    assert log[0].headers["User-Agent"] == UA["User-Agent"] and "Accept-Encoding" in log[0].headers
    assert log[0].monotonic <= log[1].monotonic and log[0].wall > 1e9
    lines = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert [(d["path"], d["status"]) for d in lines[-2:]] == [
        ("/files/company_tickers.json?x=1", 200), ("/Archives/nope", 403)
    ]  # fmt: skip
    assert set(lines[-1]) == {
        "monotonic",
        "wall",
        "method",
        "path",
        "status",
        "user_agent",
        "client",
    }


@needs_fixtures
def test_serves_real_fixtures_at_edgar_paths(server):
    def get(path: str, **kw) -> requests.Response:
        return requests.get(server.base_url + path, headers=UA, timeout=10, **kw)

    r = get("/Archives/edgar/daily-index/2020/QTR1/form.20200318.idx")
    assert r.status_code == 200 and r.content == (FIXTURES / "index/form.20200318.idx").read_bytes()
    assert get("/Archives/edgar/daily-index/2018/QTR4/master.20181231.idx").status_code == 200
    assert "Directory listing" in get("/Archives/edgar/daily-index/2018/QTR4/").text
    assert get("/Archives/edgar/full-index/1993/QTR4/master.idx").status_code == 200
    page = get("/Archives/edgar/data/72333/0000072333-23-000015-index.html")
    assert page.status_code == 200 and "NORDSTROM" in page.text
    alias = get("/Archives/edgar/data/72333/000007233323000015/0000072333-23-000015-index.htm")
    assert alias.content == page.content
    assert get("/Archives/edgar/data/72333/000007233323000015/jwn-20230301.htm").status_code == 200
    assert get("/Archives/edgar/data/1648960/000121390024004875/index.json").json()["directory"]
    sub = get("/submissions/CIK0000320193.json")
    assert sub.json()["name"] == "Apple Inc."
    assert get("/files/company_tickers.json").status_code == 200  # mirror root wins, also fine
    facts = get("/api/xbrl/companyfacts/CIK0000320193.json")
    assert facts.status_code == 200 and facts.json()["entityName"] == "Apple Inc."
    feed = get(
        "/cgi-bin/browse-edgar?action=getcurrent&type=&owner=include&count=100&start=0&output=atom"
    )
    assert feed.status_code == 200 and "<feed" in feed.text
    assert (
        get("/cgi-bin/browse-edgar?action=getcurrent&count=100&start=500&output=atom").status_code
        == 503
    )
    assert get("/cgi-bin/browse-edgar?action=getcompany&CIK=320193").status_code == 403


@needs_fixtures
def test_fixture_routes_cover_every_fixture_file():
    routes = fixture_routes(FIXTURES)
    served = {p.resolve() for p in routes.values()}
    for p in FIXTURES.rglob("*"):
        if p.is_file() and p.parent.name not in ("errors",) and p.name != "PROVENANCE.md":
            assert p.resolve() in served, p
    assert routes["/Archives/edgar/data/1847360/000094337424000509/0000943374-24-000509.txt"]


def mirror_command(root: Path) -> subprocess.Popen[str]:
    """`python -m filings_pipeline.devtools.mirror_server --root ROOT`, stdout piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "filings_pipeline.devtools.mirror_server", "--root", str(root)],
        stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
    )  # fmt: skip


def test_command_line_entry_point(mirror):
    proc = mirror_command(mirror.root)
    try:
        first = proc.stdout.readline()
        base = first.strip().rsplit(" ", 1)[-1]
        assert base.startswith("http://127.0.0.1:")
        day: date = mirror.days[0]
        r = requests.get(f"{base}/Archives/edgar/daily-index/2026/QTR4/form.{day:%Y%m%d}.idx",
                         headers=UA, timeout=10)  # fmt: skip
        assert r.status_code == 200
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)


def test_command_line_stops_on_a_signal_at_once(mirror):
    """SIGINT or SIGTERM the moment the address is printed: the server shuts down cleanly."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = mirror_command(mirror.root)
        try:
            assert proc.stdout.readline().startswith("EDGAR mirror serving on http://127.0.0.1:")
            os.kill(proc.pid, sig)
            assert proc.wait(timeout=10) == 0
        finally:
            proc.kill()
            proc.wait()
