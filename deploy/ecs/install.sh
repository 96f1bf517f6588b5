#!/bin/sh
# Install the project, as released from this repository, into a fresh virtualenv.
# The code-location image runs exactly this (deploy/ecs/Dockerfile), and so does the test
# filings_pipeline_tests/deploy/test_image_install.py (no Docker daemon needed there).
#
#   deploy/ecs/install.sh SOURCE_DIR VENV_DIR
#
# A regular (non-editable) install of SOURCE_DIR without the dev extras: dagster, the
# webserver, dagster-postgres and dagster-aws come pinned by pyproject.toml.
set -eu
src="$1"
venv="$2"
uv venv --quiet --python python3.11 "$venv"
VIRTUAL_ENV="$venv" uv pip install --quiet "$src"
"$venv/bin/python" -c "import filings_pipeline.definitions, dagster_aws.ecs, dagster_postgres"
