"""MNIST in memory: loaded once through torchvision, kept as uint8 tensors.

Images stay uint8 (47 MB for the training set rather than 188 MB as floats) and
are normalised per batch by `normalize`, the one place the MNIST constants live.
"""
from __future__ import annotations

import gzip
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch

MNIST_MEAN = 0.1307  # mean pixel of the training set, scaled to [0, 1]
MNIST_STD = 0.3081   # its standard deviation
DATA_DIR_ENV = "DIGITS_DATA_DIR"
DEFAULT_DATA_DIR = "./data"
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


class DataError(RuntimeError):
    """MNIST could not be found or fetched; the message says what to do."""


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
class Mnist:
    train: Split
    test: Split
    root: Path   # the data root it was read from
    source: str  # "local files" or "downloaded"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data root: the explicit override, else $DIGITS_DATA_DIR, else ./data."""
    return Path(override or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def missing_files(root: Path) -> list[str]:
    raw = root / "MNIST" / "raw"
    return [name for name in RAW_FILES
            if not (raw / name).is_file() and not (raw / f"{name}.gz").is_file()]


def load_mnist(root: str | os.PathLike | None = None, download: bool = True) -> Mnist:
    """Read MNIST from `root`/MNIST/raw (plain or .gz idx files); try torchvision's download
    into `root` only if files are missing and `download` allows it."""
    root = data_dir(root)
    source = "local files"
    if missing_files(root):
        if not download:
            raise DataError(_missing_message(root, "download was not allowed"))
        from torchvision.datasets import MNIST  # deferred: importing torchvision takes ~1 s
        try:
            MNIST(str(root), train=True, download=True)
            MNIST(str(root), train=False, download=True)
        except Exception as exc:  # network down, mirror gone, disk full: all say the same to the user
            raise DataError(_missing_message(root, f"the download failed: {exc}")) from exc
        source = "downloaded"
    raw = root / "MNIST" / "raw"
    try:
        train = Split(_read_idx(raw, RAW_FILES[0], 3), _read_idx(raw, RAW_FILES[1], 1).long())
        test = Split(_read_idx(raw, RAW_FILES[2], 3), _read_idx(raw, RAW_FILES[3], 1).long())
        if len(train.images) != len(train) or len(test.images) != len(test) or train.images.shape[1:] != (28, 28):
            raise ValueError("images and labels do not match")
    except (OSError, EOFError, ValueError, RuntimeError) as exc:  # truncated or foreign files
        raise DataError(f"MNIST files in {raw} could not be read ({exc}). "
                        "Replace them with the official files.") from exc
    return Mnist(train, test, root, source)


def _read_idx(raw: Path, name: str, ndim: int) -> torch.Tensor:
    """One idx file of unsigned bytes (the format MNIST ships in), plain or gzipped."""
    path = raw / name if (raw / name).is_file() else raw / f"{name}.gz"
    with (gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")) as f:
        data = f.read()
    if len(data) < 4 + 4 * ndim or data[:2] != b"\0\0" or data[2] != 0x08 or data[3] != ndim:
        raise ValueError(f"{path.name} is not an idx file of {ndim}-dimensional bytes")
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    body = data[4 + 4 * ndim:]
    if len(body) != math.prod(shape):
        raise ValueError(f"{path.name} holds {len(body):,} bytes where its header promises {math.prod(shape):,}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(shape)


def data_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """The configured data root and its direct subfolders that hold every MNIST file: the
    only folders a learner may choose between in the app."""
    root = data_dir(root).resolve()
    found = [root] if not missing_files(root) else []
    try:
        children = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        children = []
    return found + [p for p in children if not missing_files(p)]


def _missing_message(root: Path, why: str) -> str:
    raw = (root / "MNIST" / "raw").resolve()
    return (f"MNIST not found in {raw} (missing: {', '.join(missing_files(root))}) and {why}. "
            f"Put the four files {', '.join(RAW_FILES)} (or their .gz) in that folder, "
            f"or point the app at a folder that holds MNIST/raw/ with ${DATA_DIR_ENV} "
            "or the --data-dir option.")


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) with the training set's mean 0 and std 1."""
    x = images.to(torch.float32).unsqueeze(1)
    return x.mul_(1.0 / (255.0 * MNIST_STD)).sub_(MNIST_MEAN / MNIST_STD)


def normalize_ink(ink: torch.Tensor) -> torch.Tensor:
    """float (N, 28, 28) ink in 0..1 -> what `normalize` gives for the same pixels, without
    in-place steps, so gradients flow back to the ink (saliency)."""
    return ((ink - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def shuffled_batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Index tensors of one epoch: a seeded permutation cut into batches (the last may be short)."""
    order = torch.randperm(n, generator=generator)
    yield from order.split(batch_size)
