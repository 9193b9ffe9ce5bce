"""The model files setup takes from a wheel are the pinned ones, and a changed file is caught."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kernel.settings import Settings

PINS = Path(__file__).resolve().parent.parent / "scripts" / "model-files.sha256"


def check(folder: Path) -> int:
    return subprocess.run(["sha256sum", "--check", "--quiet", str(PINS)], cwd=folder, capture_output=True).returncode


def test_the_installed_models_match_their_pins() -> None:
    pinned = {line.split()[1] for line in PINS.read_text().splitlines()}
    assert {"bge_small_en/model.onnx", "reranker_en/model.onnx"} <= pinned
    assert check(Settings().model_root) == 0


def test_a_changed_model_file_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "models"
    shutil.copytree(Settings().model_root, copy)
    vocab = copy / "reranker_en" / "vocab.txt"
    vocab.write_bytes(vocab.read_bytes().replace(b"[SEP]", b"[SEQ]", 1))
    assert check(copy) != 0
