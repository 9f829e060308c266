from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import write_mnist
from torchvision.datasets import MNIST

from core.data.loading import (
    DATA_DIR_ENV,
    DataError,
    Split,
    as_input,
    data_dir,
    load_dataset,
    read_dataset,
    shuffled_batches,
)


def test_data_dir_precedence(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert data_dir() == Path("data")
    monkeypatch.setenv(DATA_DIR_ENV, "/srv/mnist")
    assert data_dir() == Path("/srv/mnist")
    assert data_dir("/elsewhere") == Path("/elsewhere")


def test_missing_files_without_download_say_where_and_how(tmp_path):
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path, download=False)
    message = str(err.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "train-images-idx3-ubyte" in message and DATA_DIR_ENV in message and "--data-dir" in message


def test_failed_download_becomes_one_clear_error(tmp_path, monkeypatch):
    # A closed local port fails at once, like a machine without internet.
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path, download=True)
    assert "the download failed" in str(err.value)
    assert str(tmp_path / "MNIST" / "raw") in str(err.value)


def test_truncated_files_give_a_data_error(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(b"\x00\x00\x08\x03 not really mnist")
    with pytest.raises(DataError, match="could not be read"):
        load_dataset(tmp_path, download=False)


def test_model_inputs_are_pixel_intensities_in_0_to_1():
    images = torch.zeros(1, 28, 28, dtype=torch.uint8)
    images[0, 0, 1] = 255
    x = as_input(images)
    assert x.shape == (1, 1, 28, 28) and x.dtype == torch.float32
    assert x[0, 0, 0, 0].item() == 0.0 and x[0, 0, 0, 1].item() == 1.0


def test_shuffled_batches_cover_every_index_once_and_repeat_with_the_seed():
    first = list(shuffled_batches(10, 4, torch.Generator().manual_seed(3)))
    again = list(shuffled_batches(10, 4, torch.Generator().manual_seed(3)))
    assert [len(b) for b in first] == [4, 4, 2]
    assert sorted(torch.cat(first).tolist()) == list(range(10))
    assert all(torch.equal(a, b) for a, b in zip(first, again))


def test_split_head():
    split = Split(torch.zeros(10, 28, 28, dtype=torch.uint8), torch.arange(10))
    assert len(split.head(3)) == 3 and split.head(0) is split and split.head(99) is split


def test_the_files_are_read_as_arrays_that_the_tensors_share(tmp_path, tiny_mnist):
    files = read_dataset(write_mnist(tmp_path, tiny_mnist), download=False)
    assert files.train_images.dtype == np.uint8 and files.train_images.shape == (640, 28, 28)
    assert len(files.test_labels) == 200 and files.source == "local files"
    data = files.tensors
    assert torch.equal(data.train.images, tiny_mnist.train.images)
    assert torch.equal(data.test.labels, tiny_mnist.test.labels)
    assert data.train.labels.dtype == torch.int64
    data.train.images[0, 0, 0] = 77
    assert files.train_images[0, 0, 0] == 77  # one copy of the 47 MB of images, not two
    assert files.tensors is data  # made once: caches keyed by its splits (the bent test set) hold
