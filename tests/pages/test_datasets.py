"""The dataset seam: a second dataset, registered and written to disk here, loads, trains,
records itself in the run row and the checkpoint, and never mixes with MNIST's runs."""
from __future__ import annotations

import pytest
import torch
from helpers import open_page

from core.analysis.compare import best_per_arch
from core.config.fields import ConfigError
from core.data.datasets import DATASETS, MNIST, DatasetSpec, dataset_spec, register_dataset
from core.data.loading import DataError, load_dataset
from core.jobs.run_keeper import stored_job
from core.store.runs import load_checkpoint
from core.training.config import preset

SQUARES = DatasetSpec(name="squares", label="Squares", folder="SQUARES",
                      files=("train-img", "train-lbl", "test-img", "test-lbl"), classes=("a", "b", "c", "d"),
                      image_size=12, mean=0.2, std=0.35, train_size=400, test_size=100)


def idx(tensor: torch.Tensor) -> bytes:
    """The idx format MNIST ships in: magic (0, 0, 8 = unsigned bytes, dimensions), sizes, data."""
    header = bytes([0, 0, 8, tensor.dim()]) + b"".join(n.to_bytes(4, "big") for n in tensor.shape)
    return header + tensor.to(torch.uint8).contiguous().numpy().tobytes()


def squares(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Four classes: a bright 5x5 square in one of the four corners of a 12x12 image."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 4
    images = torch.randint(0, 40, (n, 12, 12), generator=g)
    for i, k in enumerate(labels.tolist()):
        row, col = (k // 2) * 7, (k % 2) * 7
        images[i, row:row + 5, col:col + 5] = 255
    return images, labels


@pytest.fixture
def squares_root(tmp_path):
    raw = tmp_path / "SQUARES" / "raw"
    raw.mkdir(parents=True)
    for (images, labels), (image_file, label_file) in ((squares(400, 0), SQUARES.files[:2]),
                                                       (squares(100, 1), SQUARES.files[2:])):
        (raw / image_file).write_bytes(idx(images))
        (raw / label_file).write_bytes(idx(labels))
    register_dataset(SQUARES)
    yield tmp_path
    del DATASETS[SQUARES.name]


def test_mnist_is_the_one_dataset_shipped():
    assert list(DATASETS) == ["mnist"] and dataset_spec("mnist") is MNIST
    assert (MNIST.image_size, MNIST.num_classes, MNIST.train_size) == (28, 10, 60_000)
    with pytest.raises(ConfigError, match="dataset must be one of"):
        preset("mlp", dataset="fashion")


def test_a_second_dataset_loads_trains_and_describes_itself(squares_root, store):
    data = load_dataset(squares_root, SQUARES, download=False)
    assert data.train.images.shape == (400, 12, 12) and len(data.test) == 100 and data.spec is SQUARES
    config = preset("mlp", dataset="squares", epochs=2, batch_size=32, log_every=100, model={"hidden": [16]})
    snap = stored_job(config, data, store).start().wait(timeout=60)
    assert snap.status == "finished" and snap.test_accuracy > 0.9
    run = store.get_run(snap.run_id)
    assert run.dataset == "squares" and run.config["dataset"] == "squares"
    checkpoint = load_checkpoint(run.model_path)
    assert checkpoint["config"]["dataset"] == "squares"
    assert checkpoint["model_state"]["input.mean"].item() == pytest.approx(SQUARES.mean)
    model, _ = store.load_model(run.run_id)
    assert model(torch.rand(2, 1, 12, 12)).shape == (2, 4)


def test_a_config_never_trains_on_another_datasets_images(squares_root, tiny_mnist):
    snap = stored_job(preset("logistic", dataset="squares", epochs=1), tiny_mnist).start().wait(timeout=60)
    assert snap.status == "failed" and "cannot train on mnist" in snap.message


def test_a_dataset_no_library_can_download_says_so(tmp_path):
    register_dataset(SQUARES)
    try:
        with pytest.raises(DataError, match="Squares not found .* it cannot be downloaded"):
            load_dataset(tmp_path, SQUARES)
    finally:
        del DATASETS[SQUARES.name]


def test_its_runs_stay_out_of_mnists_best_leaderboard_and_draw(app_env, squares_root, store, tiny_mnist,
                                                              drawn_canvas):
    other = load_dataset(squares_root, SQUARES, download=False)
    better = stored_job(preset("logistic", dataset="squares", epochs=3, log_every=100), other, store)
    assert better.start().wait(timeout=60).test_accuracy > 0.9          # beats the MNIST run below
    mnist_run = stored_job(preset("logistic", epochs=1, lr=0.0001), tiny_mnist, store).start().wait(timeout=60)
    runs = store.list_runs()
    assert best_per_arch(runs) == {"logistic": mnist_run.run_id}
    assert best_per_arch(runs, "squares") == {"logistic": better.snapshot().run_id}
    board = open_page("pages/leaderboard.py")
    assert not board.exception
    assert list(board.dataframe[0].value["run"]) == [mnist_run.run_id]
    draw = open_page("pages/draw.py")
    assert not draw.exception
    [chosen] = draw.multiselect
    assert chosen.value == [mnist_run.run_id] and chosen.options == [f"Logistic regression {mnist_run.test_accuracy:.1%}"]
