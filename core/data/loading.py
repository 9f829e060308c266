"""A dataset in memory (MNIST by default): read from its idx files, kept as uint8 tensors.

Images stay uint8 (47 MB for MNIST's training set rather than 188 MB as floats) and
become model inputs per batch with `as_input`; each model standardises its input
itself, with its dataset's mean and standard deviation (core.models.architectures).
The files are read into numpy arrays first (`read_dataset`, no torch: Home shows the data
before a fresh server has imported torch), which the tensors then share (`DatasetFiles.tensors`).
"""
from __future__ import annotations

import functools
import gzip
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from core.config.settings import DATA_DIR_ENV, data_dir
from core.data.datasets import MNIST, DatasetSpec

if TYPE_CHECKING:
    import torch


class DataError(RuntimeError):
    """A dataset could not be found or fetched; the message says what to do."""


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # uint8, (N, 28, 28), 0 = background, 255 = ink
    labels: torch.Tensor  # int64, (N,)

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, n: int) -> "Split":
        """The first n examples (all when n is 0 or larger than the split)."""
        return self if n <= 0 or n >= len(self) else Split(self.images[:n], self.labels[:n])


@dataclass(frozen=True)
class Dataset:
    train: Split
    test: Split
    root: Path   # the data root it was read from
    source: str  # "local files" or "downloaded"
    spec: DatasetSpec = MNIST


def missing_files(root: Path, spec: DatasetSpec = MNIST) -> list[str]:
    raw = root / spec.folder / "raw"
    return [name for name in spec.files
            if not (raw / name).is_file() and not (raw / f"{name}.gz").is_file()]


@dataclass(frozen=True)
class DatasetFiles:
    """A dataset's four idx files as uint8 numpy arrays: images (N, side, side), labels (N,)."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    root: Path   # the data root they were read from
    source: str  # "local files" or "downloaded"
    spec: DatasetSpec = MNIST

    @functools.cached_property
    def tensors(self) -> Dataset:
        """The Dataset trainings use, made once; its images share these arrays' memory."""
        import torch
        return Dataset(Split(torch.from_numpy(self.train_images), torch.from_numpy(self.train_labels).long()),
                       Split(torch.from_numpy(self.test_images), torch.from_numpy(self.test_labels).long()),
                       self.root, self.source, self.spec)


def load_dataset(root: str | os.PathLike | None = None, spec: DatasetSpec = MNIST,
                 download: bool = True) -> Dataset:
    """Read `spec` from `root`/<folder>/raw as tensors (see read_dataset)."""
    return read_dataset(root, spec, download).tensors


def read_dataset(root: str | os.PathLike | None = None, spec: DatasetSpec = MNIST,
                 download: bool = True) -> DatasetFiles:
    """Read `spec` from `root`/<folder>/raw (plain or .gz idx files); try torchvision's
    download into `root` only if files are missing and `download` allows it."""
    root = data_dir(root)
    source = "local files"
    if missing_files(root, spec):
        if not download or spec.torchvision_name is None:
            raise DataError(_missing_message(root, spec, "download was not allowed" if download is False
                                             else "it cannot be downloaded"))
        import torchvision.datasets  # deferred: importing torchvision takes ~1 s
        try:
            for train in (True, False):
                getattr(torchvision.datasets, spec.torchvision_name)(str(root), train=train, download=True)
        except Exception as exc:  # network down, mirror gone, disk full: all say the same to the user
            raise DataError(_missing_message(root, spec, f"the download failed: {exc}")) from exc
        source = "downloaded"
    raw = root / spec.folder / "raw"
    side = (spec.image_size, spec.image_size)
    try:
        arrays = [_read_idx(raw, name, ndim) for name, ndim in zip(spec.files, (3, 1, 3, 1))]
        train_images, train_labels, test_images, test_labels = arrays
        if (len(train_images) != len(train_labels) or len(test_images) != len(test_labels)
                or train_images.shape[1:] != side or test_images.shape[1:] != side):
            raise ValueError("images and labels do not match")
    except (OSError, EOFError, ValueError, RuntimeError) as exc:  # truncated or foreign files
        raise DataError(f"{spec.label} files in {raw} could not be read ({exc}). "
                        "Replace them with the official files.") from exc
    return DatasetFiles(*arrays, root, source, spec)


def _read_idx(raw: Path, name: str, ndim: int) -> np.ndarray:
    """One idx file of unsigned bytes (the format MNIST ships in), plain or gzipped."""
    path = raw / name if (raw / name).is_file() else raw / f"{name}.gz"
    with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as f:
        data = bytearray(f.read())  # writable: the tensors share it
    if len(data) < 4 + 4 * ndim or data[:2] != b"\0\0" or data[2] != 0x08 or data[3] != ndim:
        raise ValueError(f"{path.name} is not an idx file of {ndim}-dimensional bytes")
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    header = 4 + 4 * ndim
    if len(data) - header != math.prod(shape):
        raise ValueError(f"{path.name} holds {len(data) - header:,} bytes where its header promises "
                         f"{math.prod(shape):,}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def data_roots(root: str | os.PathLike | None = None, spec: DatasetSpec = MNIST) -> list[Path]:
    """The configured data root and its direct subfolders that hold every file of `spec`:
    the only folders a learner may choose between in the app."""
    root = data_dir(root).resolve()
    found = [root] if not missing_files(root, spec) else []
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        children = []
    return found + [p for p in children if not missing_files(p, spec)]


def _missing_message(root: Path, spec: DatasetSpec, why: str) -> str:
    raw = (root / spec.folder / "raw").resolve()
    return (f"{spec.label} not found in {raw} (missing: {', '.join(missing_files(root, spec))}) and {why}. "
            f"Put the four files {', '.join(spec.files)} (or their .gz) in that folder, "
            f"or point the app at a folder that holds {spec.folder}/raw/ with ${DATA_DIR_ENV} "
            "or the --data-dir option.")


def as_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W) images -> what every model takes: float32 (N, 1, H, W) in 0..1."""
    import torch
    return images.to(torch.float32).unsqueeze(1).mul_(1.0 / 255.0)


def shuffled_batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Index tensors of one epoch: a seeded permutation cut into batches (the last may be short)."""
    import torch
    order = torch.randperm(n, generator=generator)
    yield from order.split(batch_size)
