"""Checkpoints: plain dicts that load without running code, refuse what is not ours, and
migrate from the first format."""
import io
import os
import pickle

import pytest
import torch

from core.data.datasets import MNIST
from core.models.architectures import build_model
from core.store.checkpoints import (
    CHECKPOINT_FORMAT,
    StoreError,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from core.training.config import TrainConfig, preset


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_pickle_with_code_is_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    torch.save({"format": CHECKPOINT_FORMAT, "payload": Exploit()}, path)
    with pytest.raises(StoreError):
        load_checkpoint(path)
    assert not (tmp_path / "pwned").exists()
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(StoreError):
        load_checkpoint(path)
    assert not (tmp_path / "pwned").exists()


def test_foreign_checkpoints_are_refused(tmp_path):
    buffer = io.BytesIO()
    torch.save({"state_dict": build_model("logistic").state_dict()}, buffer)
    buffer.seek(0)
    with pytest.raises(StoreError, match="not a digits-dashboard model file"):
        load_checkpoint(buffer)
    mismatched = tmp_path / "mismatch.pt"
    save_checkpoint({"format": CHECKPOINT_FORMAT, "config": preset("mlp").to_dict(),
                     "model_state": build_model("logistic").state_dict()}, mismatched)
    with pytest.raises(StoreError, match="does not hold a usable model"):
        model_from_checkpoint(load_checkpoint(mismatched), mismatched)


def test_a_checkpoint_of_the_first_format_loads_with_the_same_answers(tmp_path, tiny_mnist):
    """v1 checkpoints held only the layers, standardised outside the model, and named no dataset."""
    torch.manual_seed(0)
    model = build_model("cnn", preset("cnn", "tutorial").model).eval()
    config = {key: value for key, value in preset("cnn", "tutorial").to_dict().items()
              if key != "dataset" and not key.startswith("augment_")}  # neither was recorded then
    old = {"format": "digits-dashboard/checkpoint-v1", "config": config,
           "model_state": {k[len("net."):]: v for k, v in model.state_dict().items() if k.startswith("net.")}}
    path = tmp_path / "old.pt"
    save_checkpoint(old, path)
    loaded, checkpoint = model_from_checkpoint(load_checkpoint(path), path)
    assert checkpoint["format"] == CHECKPOINT_FORMAT and checkpoint["config"]["dataset"] == "mnist"
    assert TrainConfig.from_dict(checkpoint["config"]) == preset("cnn", "tutorial")  # augmentation off
    assert loaded.input.mean.item() == pytest.approx(MNIST.mean)
    x = torch.rand(3, 1, 28, 28)
    assert torch.allclose(loaded(x), model(x), atol=1e-6)


def test_a_first_format_file_without_its_parts_is_refused_in_words(tmp_path):
    path = tmp_path / "partial.pt"
    save_checkpoint({"format": "digits-dashboard/checkpoint-v1"}, path)
    with pytest.raises(StoreError, match="not a usable model file"):
        load_checkpoint(path)
