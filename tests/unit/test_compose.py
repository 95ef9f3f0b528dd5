"""compose.yaml names only commands this project has (no Docker engine here to run it)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> dict[str, list[str]]:
    spec = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return {name: svc["command"] for name, svc in spec["services"].items() if "command" in svc}


def test_every_command_in_compose_exists() -> None:
    commands = _commands()
    assert {"chroma", "llm", "summarize"} <= set(commands)
    for name, cmd in commands.items():
        if name == "redis":
            continue  # a stock image, not ours
        if cmd[0] == "python" and cmd[1] == "-m":
            assert importlib.util.find_spec(cmd[2]) is not None, f"{name}: no module {cmd[2]}"
            result = subprocess.run([sys.executable, "-m", cmd[2], "--help"], capture_output=True, timeout=60)
            assert result.returncode == 0, f"{name}: {cmd[2]} --help failed"
        else:
            exe = shutil.which(cmd[0], path=str(Path(sys.executable).parent)) or shutil.which(cmd[0])
            assert exe, f"{name}: command {cmd[0]} not installed"
            result = subprocess.run([exe, *cmd[1:2], "--help"], capture_output=True, timeout=60)
            assert result.returncode == 0, f"{name}: {' '.join(cmd[:2])} --help failed: {result.stderr[-300:]!r}"
