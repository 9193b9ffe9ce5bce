#!/usr/bin/env bash
# The one test command: lint, types, the import layering, the test suite (with the fast quality gate inside it).
set -euo pipefail
cd "$(dirname "$0")/.."
export DO_NOT_TRACK=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 UNSTRUCTURED_DISABLE_NOTICE=1
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache  # the layering contracts in pyproject.toml
.venv/bin/python -m pytest -q "$@"
