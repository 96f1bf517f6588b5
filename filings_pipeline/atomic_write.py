"""Atomic file writes that many threads and processes can do at once, even to the same path."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(target: Path, data: bytes, *, mode: int = 0o644, durable: bool = False) -> None:
    """Write `data` to `target` so readers see the old file or the new one, never a part.

    The temp file gets a unique name in the target's folder (mkstemp), so two writers of the
    same path (threads of one process included) never share it; os.replace then swaps it in.
    `durable` fsyncs the data before the swap (a crash cannot leave an empty file behind).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
