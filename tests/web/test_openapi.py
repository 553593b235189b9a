"""The served OpenAPI document: complete, valid, and true of the running app (schemathesis)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import yaml
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from misskissing.runtime import set_runtime
from tests.conftest import make_settings
from tests.web.helpers import migrated, publish
from web import create_app

DOCUMENTED = {
    ("post", "/api/v1/letters"),
    ("get", "/api/v1/letters"),
    ("get", "/api/v1/letters/{hash}"),
    ("post", "/api/v1/letters/{hash}/hearts"),
    ("post", "/api/v1/letters/{hash}/reports"),
    ("get", "/api/v1/receipts/{token}"),
    ("get", "/api/v1/log/checkpoint"),
    ("get", "/api/v1/log/proof/{hash}"),
    ("get", "/api/v1/log/consistency"),
    ("get", "/api/v1/log/key"),
    ("get", "/api/v1/openapi.yaml"),
    ("get", "/api/v1/openapi.json"),
}


def test_document_is_served_as_yaml_and_json_and_matches(client) -> None:
    as_yaml = client.get("/api/v1/openapi.yaml")
    as_json = client.get("/api/v1/openapi.json")
    assert as_yaml.status_code == as_json.status_code == 200
    assert as_yaml.mimetype == "application/yaml"
    assert yaml.safe_load(as_yaml.get_data(as_text=True)) == as_json.get_json()
    assert as_json.get_json()["openapi"].startswith("3.1")


def test_every_api_route_is_documented(app: Flask, client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(m, p) for p, ops in document["paths"].items() for m in ops if m != "parameters"}
    assert documented == DOCUMENTED
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.replace("<hash_>", "{hash}").replace("<hex_value>", "{hash}")
            path = path.replace("<token>", "{token}")
            methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
            served |= {(m.lower(), path) for m in methods}
    assert served == documented


@pytest.fixture
def api_app(tmp_path: Path) -> Iterator[Flask]:
    flask_app = migrated(create_app(make_settings(tmp_path), {"TESTING": True}))
    publish(flask_app)
    yield flask_app
    flask_app.extensions["misskissing.runtime"].engine.dispose()
    set_runtime(None)


@pytest.fixture
def api_schema(api_app: Flask):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize(("method", "path"), sorted(DOCUMENTED))
def test_api_conforms_to_its_document(api_schema, method: str, path: str) -> None:
    operation = api_schema[path][method.upper()]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def exercise(case) -> None:
        case.call_and_validate(checks=CHECKS)

    exercise()
