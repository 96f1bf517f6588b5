"""Text of a document with big ones converted in a child process under a time bound.

HTML -> text is pure Python (lxml, then inscriptis), about 2 s per MB here: a 50 MB 10-K held an
ingest thread, and through the GIL the other threads, for minutes, and a thread cannot be
stopped. So documents over `SUBPROCESS_BYTES` are converted by `python -m
filings_pipeline.edgar.bounded_text` in a child process: it runs on another core, is killed at
`TIME_LIMIT_SECONDS` (the filing is then skipped with that reason, the day goes on), and its
memory (several times the document) goes back to the system when it exits. One big conversion
runs at a time per process, so four threads meeting four huge 10-Ks do not need 4x the memory.
Small documents, nearly all of them, stay in-process (a child costs ~0.3 s to start).
"""

from __future__ import annotations

import subprocess
import sys
import threading

from filings_pipeline.edgar.text import document_to_text

SUBPROCESS_BYTES = 4 * 2**20
TIME_LIMIT_SECONDS = 300.0
_BIG_CONVERSIONS = threading.BoundedSemaphore(1)


class ConversionTooSlow(Exception):
    """A big document's conversion did not finish within the time bound."""


def document_text(
    body: str,
    filename: str = "",
    *,
    subprocess_bytes: int = SUBPROCESS_BYTES,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> str:
    """`document_to_text(body, filename)`, in a child process with a time bound when big."""
    if len(body) <= subprocess_bytes:
        return document_to_text(body, filename)
    data = body.encode("utf-8")
    with _BIG_CONVERSIONS:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "filings_pipeline.edgar.bounded_text", filename],
                input=data,
                capture_output=True,
                timeout=time_limit,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionTooSlow(
                f"converting {filename} ({len(data) / 2**20:.1f} MB of HTML) took longer than "
                f"{time_limit:g} s"
            ) from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"converting {filename} failed in its child process: {tail}")
    return done.stdout.decode("utf-8")


def main() -> int:
    """Child process: document bytes (UTF-8) on stdin, filename as argv[1], text on stdout."""
    filename = sys.argv[1] if len(sys.argv) > 1 else ""
    body = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(document_to_text(body, filename).encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
