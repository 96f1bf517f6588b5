"""Start and stop a real Dagster webserver + daemon (`dagster dev`) for the CLI's commands."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterDev:
    """`dagster dev` in its own process group, on 127.0.0.1, with a given DAGSTER_HOME.
    With ``daemon=False``, the webserver alone (`dagster-webserver`): runs launched through
    it stay queued, since no daemon dequeues them."""

    def __init__(
        self,
        home: Path,
        port: int | None = None,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
        daemon: bool = True,
    ) -> None:
        self.home = home
        self.daemon = daemon
        self.port = port or free_port()
        self.log_path = log_path or home / "dagster-dev.log"
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 180.0) -> DagsterDev:
        env = {**os.environ, **self.env, "DAGSTER_HOME": str(self.home)}
        env.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
        if self.daemon:
            program = [str(Path(sys.executable).with_name("dagster")), "dev"]
        else:
            program = [str(Path(sys.executable).with_name("dagster-webserver"))]
        cmd = [
            *program,
            "-m",
            "filings_pipeline.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited early; see {self.log_path}")
            try:
                if requests.get(f"{self.url}/server_info", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"dagster dev did not answer in {timeout_s:.0f}s; see {self.log_path}")

    def stop(self, timeout_s: float = 60.0) -> None:
        """SIGINT to the process group (Dagster's graceful stop), then SIGKILL if it lingers."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(timeout=timeout_s)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # run workers started by the daemon are in the same session; make sure none linger
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()
        self.proc = None

    def __enter__(self) -> DagsterDev:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
