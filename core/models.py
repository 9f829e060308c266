"""The three architectures, each with a small options dataclass, in one registry.

Every model takes normalised images of shape (N, 1, 28, 28) and returns logits
(N, 10); the loss applies the softmax, so no model ends in log_softmax.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from core.ranges import ConfigError, bounded, validate_fields

NUM_CLASSES = 10
IMAGE_SIZE = 28


class ModelOptions:
    """Shared behaviour of the options dataclasses below."""
    arch: ClassVar[str]

    def validate(self) -> "ModelOptions":
        validate_fields(self, prefix="model.")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelOptions":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown {cls.arch} options: {sorted(unknown)}")
        return cls(**data).validate()


@dataclass
class LogisticOptions(ModelOptions):
    """784 -> 10, softmax regression (seeds 001 and 004). Nothing to choose."""
    arch: ClassVar[str] = "logistic"

    def describe(self) -> str:
        return "784 → 10"


@dataclass
class MLPOptions(ModelOptions):
    arch: ClassVar[str] = "mlp"
    hidden: list[int] = bounded([128], 8, 2048, "units per hidden layer", length=(1, 4))
    dropout: float = bounded(0.2, 0.0, 0.9, "dropout after each hidden layer")

    def describe(self) -> str:
        return " → ".join(str(n) for n in [784, *self.hidden, 10])


@dataclass
class CNNOptions(ModelOptions):
    """Two conv + max-pool blocks and two fully connected layers (seed 000's shape)."""
    arch: ClassVar[str] = "cnn"
    channels: list[int] = bounded([16, 32], 1, 128, "filters in conv 1 and conv 2", length=(2, 2))
    kernel_size: int = bounded(5, 3, 7, "side of each square conv filter")
    fc_hidden: int = bounded(64, 8, 1024, "units of the hidden fully connected layer")
    dropout: float = bounded(0.3, 0.0, 0.9, "dropout before the last layer")
    conv_dropout: float = bounded(0.0, 0.0, 0.9, "channel dropout after conv 2 (seed 000: 0.5)")
    batch_norm: bool = True  # normalise conv outputs: faster, steadier learning

    def describe(self) -> str:
        bn = " + BN" if self.batch_norm else ""
        c1, c2 = self.channels
        return f"conv {c1}/{c2} {self.kernel_size}x{self.kernel_size}{bn}, fc {self.fc_hidden}"


MODEL_OPTIONS: dict[str, type[ModelOptions]] = {
    "logistic": LogisticOptions, "mlp": MLPOptions, "cnn": CNNOptions}
MODEL_LABELS = {"logistic": "Logistic regression", "mlp": "MLP", "cnn": "CNN"}


def _logistic(_: LogisticOptions) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(IMAGE_SIZE * IMAGE_SIZE, NUM_CLASSES))


def _mlp(opts: MLPOptions) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    width = IMAGE_SIZE * IMAGE_SIZE
    for units in opts.hidden:
        layers += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(opts.dropout)]
        width = units
    layers.append(nn.Linear(width, NUM_CLASSES))
    return nn.Sequential(*layers)


def _to_channels_last(_: nn.Module, args: tuple) -> tuple:
    return (args[0].contiguous(memory_format=torch.channels_last), *args[1:])


def _cnn(opts: CNNOptions) -> nn.Module:
    c1, c2, k = opts.channels[0], opts.channels[1], opts.kernel_size
    side = ((IMAGE_SIZE - k + 1) // 2 - k + 1) // 2  # valid convolutions, 2x2 pooling

    def norm(c: int) -> nn.Module:
        return nn.BatchNorm2d(c) if opts.batch_norm else nn.Identity()

    model = nn.Sequential(
        # pool, then ReLU, as seed 000 does: the same values (ReLU and max commute), a
        # quarter of the ReLU work
        nn.Conv2d(1, c1, k, bias=not opts.batch_norm), norm(c1), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(c1, c2, k, bias=not opts.batch_norm), norm(c2), nn.Dropout2d(opts.conv_dropout),
        nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(c2 * side * side, opts.fc_hidden), nn.ReLU(), nn.Dropout(opts.dropout),
        nn.Linear(opts.fc_hidden, NUM_CLASSES),
    )
    # NHWC weights and images: oneDNN's CPU convolutions train the default CNN 1.6x and
    # evaluate it 2-4x faster so (docs/benchmarks.md). A layout, not a change: the values,
    # the state_dict keys and the checkpoints are those of the NCHW model.
    model.register_forward_pre_hook(_to_channels_last)
    return model.to(memory_format=torch.channels_last)


_BUILDERS = {"logistic": _logistic, "mlp": _mlp, "cnn": _cnn}


def build_model(arch: str, options: ModelOptions | None = None) -> nn.Module:
    """A freshly initialised model; seed torch's RNG first for repeatable weights."""
    if arch not in MODEL_OPTIONS:
        raise ConfigError(f"arch must be one of {sorted(MODEL_OPTIONS)}, got {arch!r}")
    options = options if options is not None else MODEL_OPTIONS[arch]()
    return _BUILDERS[arch](options.validate())


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def describe(arch: str, options: ModelOptions) -> str:
    """Human label such as 'CNN (conv 32/64 5x5 + BN, fc 128)'."""
    return f"{MODEL_LABELS[arch]} ({options.describe()})"


def predict_proba(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities for already normalised images, without autograd."""
    model.eval()
    with torch.inference_mode():
        return torch.softmax(model(images), dim=1)
