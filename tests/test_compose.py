"""docker-compose.yml cannot run here (no engine): check its shape instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]

# The subset of the Compose specification this file uses, strictly.
SERVICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "build": {"type": ["string", "object"]},
        "image": {"type": "string"},
        "command": {"type": ["string", "array"]},
        "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
        "environment": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "ports": {"type": "array", "items": {"type": "string", "pattern": r"^\d+:\d+$"}},
        "volumes": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[^:]+:/[^:]*(:ro)?$"},
        },
        "depends_on": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "condition": {
                        "enum": [
                            "service_started",
                            "service_healthy",
                            "service_completed_successfully",
                        ]
                    }
                },
                "required": ["condition"],
            },
        },
        "healthcheck": {
            "type": "object",
            "properties": {
                "test": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "interval": {"type": "string"},
                "timeout": {"type": "string"},
                "retries": {"type": "integer"},
                "start_period": {"type": "string"},
            },
            "required": ["test"],
            "additionalProperties": False,
        },
    },
    "required": ["healthcheck"],
    "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
    "additionalProperties": False,
}
COMPOSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "services": {"type": "object", "additionalProperties": SERVICE_SCHEMA},
        "volumes": {"type": "object"},
    },
    "patternProperties": {"^x-": {}},
    "required": ["services", "volumes"],
    "additionalProperties": False,
}


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def test_compose_file_matches_the_schema() -> None:
    jsonschema.validate(load(), COMPOSE_SCHEMA)


def test_compose_names_the_five_services_with_healthchecks_and_volumes() -> None:
    compose = load()
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "redis", "postgres"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    named_volumes = set(compose["volumes"])
    for name in ("web", "worker", "beat", "redis", "postgres"):
        used = {v.split(":")[0] for v in services[name]["volumes"]}
        assert used & named_volumes, f"{name} keeps nothing on a named volume"


def test_production_shape_uses_postgres_redis_gunicorn_and_requires_detoxify() -> None:
    services = load()["services"]
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert env["BROKER_URL"].startswith("redis://redis:")
    assert env["MISSKISSING_REQUIRE_DETOXIFY"] == "true"
    assert (
        "gunicorn" in services["web"]["command"]
        and "web:create_app()" in services["web"]["command"]
    )
    assert "db upgrade" in services["web"]["command"], "the web service applies migrations on start"
    assert services["worker"]["command"].startswith("celery -A worker.main worker")
    assert services["beat"]["command"].startswith("celery -A worker.main beat")
    for app_service in ("web", "worker", "beat"):
        assert services[app_service]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "--appendonly" in services["redis"]["command"], "the broker must persist queued letters"


def test_every_env_var_in_compose_is_a_known_setting() -> None:
    from misskissing.settings import Settings

    known = {f"MISSKISSING_{name.upper()}" for name in Settings.model_fields} | {
        "DATABASE_URL",
        "BROKER_URL",
        "REDIS_URL",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
    }
    for service in load()["services"].values():
        unknown = {
            k
            for k in service.get("environment", {})
            if k.startswith("MISSKISSING_") or k.endswith("_URL")
        } - known
        assert not unknown, unknown


def test_the_image_installs_every_pinned_model() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    for requirements in sorted((ROOT / "requirements").glob("*.txt")):
        assert f"requirements/{requirements.name}" in dockerfile, requirements.name
        assert f"requirements/{requirements.name}" in (ROOT / "scripts/bootstrap.sh").read_text(
            "utf-8"
        )
