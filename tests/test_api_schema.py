"""schemathesis against the app's own OpenAPI schema: no server errors, no responses off the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.app import create_app
from api.auth import create_key
from kernel.settings import Settings
from models.embed import load_embedder
from tests.conftest import make_services

_ROOT = Path(__import__("tempfile").mkdtemp(prefix="cairn-schema-"))
_SETTINGS = Settings(data_dir=_ROOT / ".cairn", torch_threads=1, rate_per_s=10_000, rate_burst=10_000)
_SERVICES = make_services(_SETTINGS, load_embedder(_SETTINGS))
_KEY = create_key(_SERVICES.store, "fuzzer", ["employees"], "admin").token
_APP = create_app(_SETTINGS, _SERVICES)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any) -> None:
    case.call_and_validate(headers={"X-API-Key": _KEY},
                           checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
