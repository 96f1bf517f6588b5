"""The code-location image's install and entry point work, checked without a Docker daemon.

The test reads deploy/ecs/Dockerfile and replays it under a temporary folder that stands in for
the image's root: the same files copied (`COPY`), the same install script run (`RUN`) into a
fresh virtualenv, then the image's command (`CMD`, the gRPC code server) started from that
virtualenv, answered by `dagster api grpc-health-check`, and loaded by the webserver's way in,
deploy/ecs/workspace.yaml. Only the bind address is changed (127.0.0.1 and a free port instead
of 0.0.0.0:4000): tests stay on the loopback. The install uses uv and its package cache.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from dagster import instance_for_test
from dagster._core.workspace.load import location_origins_from_yaml_paths

from filings_pipeline_tests.conftest import REPO_ROOT

pytestmark = pytest.mark.image

ECS = REPO_ROOT / "deploy" / "ecs"
# RUN steps that are not the install: the image's user and folders (need root, not replayed).
SYSTEM_RUN_PREFIXES = ("useradd ",)


def dockerfile_steps(path: Path) -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, with backslash continuations joined."""
    steps: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += line[:-1] + " " if line.endswith("\\") else line
        if line.endswith("\\"):
            continue
        instruction, _, args = current.partition(" ")
        steps.append((instruction.upper(), args.strip()))
        current = ""
    return steps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replay_build(root: Path) -> dict[str, str]:
    """Copy and install as the Dockerfile says, under `root`. Returns the image's ENV."""
    workdir = Path("/")
    env: dict[str, str] = {}
    installs = 0
    for instruction, args in dockerfile_steps(ECS / "Dockerfile"):
        if instruction == "WORKDIR":
            workdir = workdir / args
        elif instruction == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
        elif instruction == "COPY" and not args.startswith("--from"):
            *sources, dest = shlex.split(args)
            target = root / (workdir / dest).relative_to("/")
            for src in sources:
                s = REPO_ROOT / src
                to = target / s.name if dest.endswith("/") or len(sources) > 1 else target
                to.parent.mkdir(parents=True, exist_ok=True)
                if s.is_dir():
                    shutil.copytree(s, to, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(s, to)
        elif instruction == "RUN":
            if args.startswith(SYSTEM_RUN_PREFIXES):
                continue
            argv = shlex.split(args)
            assert argv[:2] == ["sh", "/opt/filings_pipeline/install.sh"], (
                f"every install step belongs in deploy/ecs/install.sh (tested), not {args!r}"
            )
            argv = [a if not a.startswith("/") else str(root / a.lstrip("/")) for a in argv]
            subprocess.run(argv, check=True, timeout=600, cwd=root)
            installs += 1
    assert installs == 1
    return env


@pytest.fixture(scope="module")
def image_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if shutil.which("uv") is None:
        pytest.skip("uv is not installed; deploy/ecs/install.sh uses it (pip install uv)")
    root = tmp_path_factory.mktemp("image-root")
    return root, replay_build(root)


def test_the_image_installs_the_project_from_the_repo_not_as_an_editable_checkout(
    image_root: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _ = image_root
    python = root / "opt" / "venv" / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", "import filings_pipeline, dagster, dagster_aws, dagster_postgres;"
         "print(filings_pipeline.__file__); print(dagster.__version__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    module_file, version = out.stdout.split()
    assert Path(module_file).is_relative_to(root / "opt" / "venv")  # installed, not the repo
    assert version == "1.13.27"
    pip_list = subprocess.run(
        ["uv", "pip", "list", "--python", str(python), "--format", "json"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    names = {p["name"].lower() for p in json.loads(pip_list.stdout)}
    assert {"dagster-webserver", "dagster-aws", "dagster-postgres"} <= names
    assert "pytest" not in names and "ruff" not in names  # no dev extras in the image


def test_the_images_command_serves_the_code_location_over_grpc(
    image_root: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, image_env = image_root
    cmd = json.loads(dict(dockerfile_steps(ECS / "Dockerfile"))["CMD"])
    assert cmd[:4] == ["dagster", "api", "grpc", "-m"] and cmd[4] == "filings_pipeline.definitions"
    assert cmd[cmd.index("-h") + 1] == "0.0.0.0" and cmd[cmd.index("-p") + 1] == "4000"
    port = free_port()
    cmd[cmd.index("-h") + 1] = "127.0.0.1"
    cmd[cmd.index("-p") + 1] = str(port)
    bin_dir = root / "opt" / "venv" / "bin"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FILINGS_", "DAGSTER_", "VIRTUAL"))
    }
    env.update(
        {
            "PATH": f"{bin_dir}:{env.get('PATH', '')}",
            "DAGSTER_HOME": str(tmp_path / "home"),
            "FILINGS_DATA_DIR": str(tmp_path / "data"),
            "PYTHONUNBUFFERED": image_env.get("PYTHONUNBUFFERED", "1"),
        }
    )
    (tmp_path / "home").mkdir()
    log = (tmp_path / "grpc.log").open("w")
    server = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            check = subprocess.run(
                [str(bin_dir / "dagster"), "api", "grpc-health-check", "-p", str(port)],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if check.returncode == 0:
                break
            assert server.poll() is None, (tmp_path / "grpc.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "code server never answered the health check"
            time.sleep(1)

        origins = _origins_with_env(port)
        assert [o.location_name for o in origins] == ["filings_pipeline"]
        with instance_for_test() as instance, origins[0].create_location(instance) as location:
            repo = next(iter(location.get_repositories().values()))
            keys = {n.asset_key.to_user_string() for n in repo.get_asset_node_snaps()}
            assert {"filings", "analyses", "rendered_articles", "published_articles"} <= keys
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _origins_with_env(port: int):
    """deploy/ecs/workspace.yaml as the webserver reads it, with the service address set."""
    saved = {k: os.environ.get(k) for k in ("DAGSTER_CODE_SERVER_HOST", "DAGSTER_CODE_SERVER_PORT")}
    os.environ["DAGSTER_CODE_SERVER_HOST"] = "127.0.0.1"
    os.environ["DAGSTER_CODE_SERVER_PORT"] = str(port)
    try:
        return list(location_origins_from_yaml_paths([str(ECS / "workspace.yaml")]))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
