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
