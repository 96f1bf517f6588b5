"""Faults at the worst moment: a sending process SIGKILLed half-way through a list of 50, and
two sending processes at once. Counted at the SMTP server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from filings_pipeline.delivery import deliver_digest
from filings_pipeline.devtools.smtp_server import RecordingHandler, SmtpServer
from filings_pipeline.store import ContentStore
from filings_pipeline_tests.delivery.conftest import DAY, SITE, readers, smtp_config

REPO = Path(__file__).resolve().parents[2]
LIST = 50
KILL_AT = 25


def _sender(db_url: str, port: int, people_file: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "filings_pipeline_tests.delivery._sender", db_url, str(port),
         str(people_file)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _killer(proc_box: list[subprocess.Popen]):
    def kill(_rcpt: str, n: int) -> None:
        if n == KILL_AT:
            proc_box[0].send_signal(signal.SIGKILL)
            proc_box[0].wait(timeout=30)

    return kill


def _list(tmp_path: Path) -> tuple[list[str], Path]:
    people = readers(LIST)
    path = tmp_path / "list.txt"
    path.write_text("\n".join(people) + "\n")
    return people, path


def test_sigkill_before_the_server_accepts_then_rerun_sends_each_reader_exactly_one(
    day_store: ContentStore, content_url: str, tmp_path: Path
) -> None:
    people, people_file = _list(tmp_path)
    box: list[subprocess.Popen] = []
    handler = RecordingHandler()
    with SmtpServer(handler) as smtp:
        kill = _killer(box)

        def before_accept(rcpt: str, n: int) -> str | None:
            kill(rcpt, n)
            return "451 4.3.0 sender went away" if n == KILL_AT else None

        handler.on_data = before_accept
        box.append(_sender(content_url, smtp.port, people_file))
        box[0].wait(timeout=120)
        assert box[0].returncode == -signal.SIGKILL
        assert len(handler.received) == KILL_AT - 1
        victim = people[KILL_AT - 1]
        assert day_store.deliveries.get(DAY, victim).status == "sending"  # claimed, then died
        handler.on_data = None
        rerun = deliver_digest(day_store, DAY, SITE, smtp_config(smtp.port, people, tmp_path))
        counts = handler.per_recipient()
    assert counts == {p: 1 for p in people}  # every reader exactly one message
    assert rerun.resent_in_doubt == [victim]
    assert len(rerun.sent) == LIST - (KILL_AT - 1) and len(rerun.skipped) == KILL_AT - 1


def test_sigkill_after_the_server_accepts_is_at_least_once_with_the_same_message_id(
    day_store: ContentStore, content_url: str, tmp_path: Path
) -> None:
    """The documented choice for the window between the server's 250 and the ledger write:
    resend, with the same Message-ID, so the duplicate can be dropped by Message-ID."""
    people, people_file = _list(tmp_path)
    box: list[subprocess.Popen] = []
    handler = RecordingHandler(on_accepted=_killer(box))
    with SmtpServer(handler) as smtp:
        box.append(_sender(content_url, smtp.port, people_file))
        box[0].wait(timeout=120)
        assert box[0].returncode == -signal.SIGKILL
        handler.on_accepted = None
        deliver_digest(day_store, DAY, SITE, smtp_config(smtp.port, people, tmp_path))
        received = list(handler.received)
    victim = people[KILL_AT - 1]
    counts = handler.per_recipient()
    assert counts == {p: 2 if p == victim else 1 for p in people}
    ids = {}
    for m in received:
        ids.setdefault(m.rcpt_tos[0], set()).add(m.message["Message-ID"])
    assert all(len(v) == 1 for v in ids.values())  # deduplicated by Message-ID: one each
    assert day_store.deliveries.get(DAY, victim).status == "sent"


def test_two_sending_processes_at_once_send_each_reader_one(
    day_store: ContentStore, content_url: str, tmp_path: Path
) -> None:
    people, people_file = _list(tmp_path)
    with SmtpServer() as smtp:
        procs = [_sender(content_url, smtp.port, people_file) for _ in range(2)]
        outs = [p.communicate(timeout=180) for p in procs]
        counts = smtp.handler.per_recipient()
    reports = []
    for (out, err), p in zip(outs, procs, strict=True):
        assert p.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert counts == {p: 1 for p in people}
    assert sorted(r for rep in reports for r in rep["sent"]) == sorted(people)
    for rep in reports:
        assert len(rep["sent"]) + len(rep["skipped"]) == LIST
