"""Checkpoints: a plain dict of named parts in a file, written atomically, read without code.

A checkpoint holds `format`, `run_id`, `status`, `message`, `config`, `model_state`, `history`,
`metrics`, `versions` and `created_at`. It is read back with
`torch.load(weights_only=True)`, so a file can never run code on load. Its config names
its dataset and its weights hold the input's mean and standard deviation (the model's
`input` layer); files of the first format, MNIST's without that layer, are migrated on load.
torch is imported by the functions that read or write a file, not with this module: the run
store lists runs without it (core.models.architectures says why).
"""
from __future__ import annotations

import os
import platform
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.data.datasets import DEFAULT_DATASET, MNIST
from core.models.architectures import build_model
from core.training.config import TrainConfig

if TYPE_CHECKING:
    from torch import nn

CHECKPOINT_FORMAT = "digits-dashboard/checkpoint-v2"
OLD_CHECKPOINT_FORMATS = ("digits-dashboard/checkpoint-v1",)  # MNIST only, no input layer: migrated on load


class StoreError(RuntimeError):
    """A run or checkpoint is missing, corrupt or not ours; the message names the file."""


def library_versions() -> dict[str, str]:
    import torch
    import torchvision

    # str(): torch.__version__ is a TorchVersion, which weights_only loading refuses
    return {"python": platform.python_version(), "torch": str(torch.__version__),
            "torchvision": str(torchvision.__version__)}


def make_checkpoint(run_id: str, status: str, config: dict[str, Any], model: nn.Module, history: Any,
                    evaluation: Any, train_seconds: float, examples_seen: int, created_at: float,
                    message: str = "", bent_accuracy: float | None = None) -> dict[str, Any]:
    """A trained model and what it came from, as the plain dict a checkpoint file holds."""
    return {"format": CHECKPOINT_FORMAT, "run_id": run_id, "status": str(status), "message": message,
            "config": config,
            "model_state": model.state_dict(), "history": history.to_dict(),
            "metrics": {"test_accuracy": evaluation.accuracy, "test_loss": evaluation.loss,
                        "train_seconds": train_seconds, "examples_seen": examples_seen,
                        "bent_accuracy": bent_accuracy},
            "versions": library_versions(), "created_at": created_at}


def save_checkpoint(checkpoint: dict[str, Any], path: Path) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_checkpoint(source: Path | Any) -> dict[str, Any]:
    """Read a checkpoint from a path or binary file object, refusing anything but our format."""
    import torch

    name = str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "uploaded file")
    try:
        checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise StoreError(f"model file {name} does not exist") from None
    except Exception as exc:  # truncated zip, pickle with code in it, random bytes
        raise StoreError(f"{name} is not a readable model file ({type(exc).__name__}: {exc})") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") not in (CHECKPOINT_FORMAT, *OLD_CHECKPOINT_FORMATS):
        raise StoreError(f"{name} is not a digits-dashboard model file (format {CHECKPOINT_FORMAT} expected)")
    try:
        return migrate_checkpoint(checkpoint)
    except (KeyError, TypeError, AttributeError) as exc:  # a v1 file without its parts
        raise StoreError(f"{name} is not a usable model file ({type(exc).__name__}: {exc})") from None


def migrate_checkpoint(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint of an earlier format in today's: v1 models were MNIST's, standardised
    outside the model, their layers at the top of the state_dict."""
    if checkpoint["format"] == CHECKPOINT_FORMAT:
        return checkpoint
    import torch

    state = {f"net.{key}": value for key, value in checkpoint["model_state"].items()}
    state.update({"input.mean": torch.tensor(MNIST.mean), "input.std": torch.tensor(MNIST.std)})
    config = {**checkpoint["config"], "dataset": checkpoint["config"].get("dataset", DEFAULT_DATASET)}
    return {**checkpoint, "format": CHECKPOINT_FORMAT, "config": config, "model_state": state}


def model_from_checkpoint(checkpoint: dict[str, Any], name: Any = "checkpoint") -> tuple[nn.Module, dict]:
    """Rebuild the model a checkpoint describes; any mismatch is a StoreError."""
    try:
        config = TrainConfig.from_dict(checkpoint["config"])
        model = build_model(config.arch, config.model, config.dataset)
        model.load_state_dict(checkpoint["model_state"])
    except Exception as exc:
        raise StoreError(f"{name} does not hold a usable model ({type(exc).__name__}: {exc})") from None
    return model.eval(), checkpoint
