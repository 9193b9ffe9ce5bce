"""The compose stack stays true to the code: every setting it passes is one Cairn validates, every command
it runs is one the CLI has, and workers get no shared corpus folder (tasks carry the bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from kernel.settings import Settings

COMPOSE = Path(__file__).resolve().parent.parent / "deploy" / "compose.yaml"


def cairn_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load(COMPOSE.read_text())["services"]
    return {name: svc for name, svc in services.items() if svc.get("image") == "cairn:latest"}


def test_the_stack_has_every_part() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"api", "worker", "mcp", "redis", "postgres", "qdrant"} <= set(services)


@pytest.mark.parametrize("name", ["api", "mcp", "worker"])
def test_each_service_settings_and_command_are_valid(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = cairn_services()[name]
    for key, value in svc["environment"].items():
        assert key.startswith("CAIRN_"), key
        monkeypatch.setenv(key, str(value))
    settings = Settings()
    assert {f"CAIRN_{f.upper()}" for f in settings.model_fields_set} == set(svc["environment"])
    command = svc["command"]
    assert command[0] == "cairn"
    res = CliRunner().invoke(app, [*command[1:], "--help"])
    assert res.exit_code == 0, res.output


def test_workers_share_no_folder_with_the_api() -> None:
    worker = cairn_services()["worker"]
    assert "volumes" not in worker and "CAIRN_QDRANT_URL" not in worker["environment"]
    assert cairn_services()["api"]["environment"]["CAIRN_BROKER_URL"] == worker["environment"]["CAIRN_BROKER_URL"]
