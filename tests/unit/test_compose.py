"""compose.yaml names only commands this project has (no Docker engine here to run it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
STOCK = {"redis", "postgres"}  # stock images, not ours


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    return services


def test_the_stack_has_every_part() -> None:
    assert {"redis", "postgres", "chroma", "llm", "worker-io", "worker-llm", "beat", "api"} <= set(_services())


def test_every_command_in_compose_exists_and_answers_help() -> None:
    for name, service in _services().items():
        if name in STOCK or "command" not in service:
            continue
        cmd = list(service["command"])
        exe = sys.executable if cmd[0] == "python" else (
            shutil.which(cmd[0], path=str(Path(sys.executable).parent)) or shutil.which(cmd[0]))
        assert exe, f"{name}: command {cmd[0]} is not installed by the project"
        result = subprocess.run([exe, *cmd[1:], "--help"], check=False, capture_output=True, text=True,
                                timeout=120, cwd=ROOT)
        assert result.returncode == 0, f"{name}: {' '.join(cmd)} --help failed: {result.stderr[-400:]}"


def _exe(name: str) -> str | None:
    return sys.executable if name == "python" else (
        shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name))


def _long_running() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in _services().items() if "cli" not in s.get("profiles", [])}


def test_every_long_running_service_restarts_is_health_checked_and_has_a_memory_limit() -> None:
    for name, service in _long_running().items():
        assert service.get("restart") == "unless-stopped", name
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), name
        assert service["deploy"]["resources"]["limits"]["memory"], name


def test_every_health_check_names_a_command_the_service_has() -> None:
    for name, service in _long_running().items():
        test = service["healthcheck"]["test"]
        if name in STOCK:
            assert test[0] == "CMD-SHELL", name  # the image's own tools (redis-cli, pg_isready)
            continue
        words = test[1].split() if test[0] == "CMD-SHELL" else test[1:]
        assert _exe(words[0]), f"{name}: health check command {words[0]} is not installed by the project"
        if words[:2] == ["summarizer", "healthcheck"]:
            # our own checker, run here: nothing listens, so it must say unhealthy (1), not misuse (2)
            result = subprocess.run([_exe("summarizer") or "", *words[1:]], check=False, capture_output=True,
                                    text=True, timeout=60, cwd=ROOT)
            assert result.returncode == 1 and result.stdout.strip(), (name, result.stdout, result.stderr)


def test_redis_and_postgres_take_their_passwords_from_the_environment_and_the_app_uses_them() -> None:
    services = _services()
    app_env = services["api"]["environment"]
    redis_command = " ".join(services["redis"]["command"])
    assert "--requirepass" in redis_command
    assert services["redis"]["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?") and "POSTGRES_HOST_AUTH_METHOD" not in postgres
    assert "${REDIS_PASSWORD" in app_env["SUMMARIZER_REDIS_URL"]
    assert "${POSTGRES_PASSWORD" in app_env["SUMMARIZER_DATABASE_URL"]


def test_the_data_services_are_reachable_on_the_internal_network_only() -> None:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert document["networks"]["internal"]["internal"] is True
    for name in ("redis", "postgres", "chroma", "llm"):
        service = document["services"][name]
        assert service["networks"] == ["internal"] and "ports" not in service, name
    published = [name for name, s in document["services"].items() if "ports" in s]
    assert published == ["api"]
