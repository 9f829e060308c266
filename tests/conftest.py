"""Shared fixtures: small synthetic digits for unit tests, the real MNIST when available."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from core.data import DATA_DIR_ENV, Mnist, Split, load_mnist


def synthetic_split(n: int, seed: int) -> Split:
    """Ten easy classes: digit k is a bright 6x6 square at its own place, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 60, (n, 28, 28), generator=g)
    for i, k in enumerate(labels.tolist()):
        row, col = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        images[i, row:row + 6, col:col + 6] = 255
    return Split(images.to(torch.uint8), labels)


@pytest.fixture(scope="session")
def tiny_mnist() -> Mnist:
    return Mnist(synthetic_split(640, seed=0), synthetic_split(200, seed=1), Path("synthetic"), "synthetic")


@pytest.fixture(scope="session")
def real_mnist() -> Mnist:
    if not os.environ.get(DATA_DIR_ENV):
        pytest.skip(f"${DATA_DIR_ENV} is unset: point it at a folder holding MNIST/raw to run real-data tests")
    return load_mnist(os.environ[DATA_DIR_ENV], download=False)


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"
