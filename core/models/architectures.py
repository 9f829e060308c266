"""The architectures, one registry entry each: options, builder, label, presets, speed.

Every model takes images as pixel intensities in 0..1, shape (N, 1, side, side), and
returns logits (N, classes); the loss applies the softmax, so no model ends in
log_softmax. Its first layer, `Standardize`, holds its dataset's mean and standard
deviation as buffers, so a checkpoint's weights say how their input was scaled.
Adding an architecture is one `register_architecture(Architecture(...))` call: the
form, the CLI, the queue's estimates and every page follow this registry.

Reading the registry imports no torch: its builders import it when they first build a model.
Pages that only list architectures and runs (Home, the forms, the run tables) draw without it,
and importing torch takes over a second of a 2-core server's first page (docs/benchmarks.md).
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from core.config.fields import ConfigError, bounded, quoted, switch, validate_fields
from core.config.registry import Registry
from core.data.datasets import DEFAULT_DATASET, MNIST, DatasetSpec, dataset_spec

if TYPE_CHECKING:
    import torch
    from torch import nn


class ModelOptions:
    """Shared behaviour of the options dataclasses below."""
    arch: ClassVar[str]

    def __post_init__(self) -> None:
        validate_fields(self, prefix="model.")

    def describe(self, spec: DatasetSpec = MNIST) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelOptions":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown {cls.arch} options: {quoted(sorted(unknown))}")
        return cls(**data)


@dataclass(frozen=True)
class LogisticOptions(ModelOptions):
    """pixels -> 10 scores, softmax regression (seeds 001 and 004). Nothing to choose."""
    arch: ClassVar[str] = "logistic"

    def describe(self, spec: DatasetSpec = MNIST) -> str:
        return f"{spec.image_size ** 2} → {spec.num_classes}"


@dataclass(frozen=True)
class MLPOptions(ModelOptions):
    arch: ClassVar[str] = "mlp"
    hidden: list[int] = bounded([128], 8, 2048, "units per hidden layer", length=(1, 4), step=16,
                                label="Units in layer", count_label="Hidden layers")
    dropout: float = bounded(0.2, 0.0, 0.9, "dropout after each hidden layer", label="Dropout")

    def describe(self, spec: DatasetSpec = MNIST) -> str:
        return " → ".join(str(n) for n in [spec.image_size ** 2, *self.hidden, spec.num_classes])


@dataclass(frozen=True)
class CNNOptions(ModelOptions):
    """Two conv + max-pool blocks and two fully connected layers (seed 000's shape)."""
    arch: ClassVar[str] = "cnn"
    channels: list[int] = bounded([16, 32], 1, 128, "filters in conv 1 and conv 2", length=(2, 2), step=1,
                                  label="Filters in conv")
    kernel_size: int = bounded(5, 3, 7, "side of each square filter, in pixels (its kernel size)",
                               label="Filter size (pixels)")
    kernel_size_2: int = bounded(0, 0, 7, "side of conv 2's filters (its kernel size) when it differs from "
                                 "conv 1's (0 = the same)", label="Filter size in conv 2 (0 = as in conv 1)")
    fc_hidden: int = bounded(64, 0, 1024, "units of the hidden fully connected layer (0 = none: the conv "
                             "features go straight to the scores)", label="Hidden units (fully connected)")
    dropout: float = bounded(0.3, 0.0, 0.9, "dropout before the last layer", label="Dropout")
    conv_dropout: float = bounded(0.0, 0.0, 0.9, "channel dropout: while training, this share of conv 2's "
                                  "filter outputs is switched off at random each step (seed 000: 0.5)",
                                  label="Switch off whole filters at random")
    batch_norm: bool = switch(True, "normalise conv outputs: faster, steadier learning",
                              label="Batch normalisation")
    pool_first: bool = switch(False, "max-pool before batch norm: a quarter of the values to normalise, "
                              "about 1.5x faster training on a CPU", label="Shrink the maps first (faster)")

    @property
    def kernel_sizes(self) -> tuple[int, int]:
        return self.kernel_size, self.kernel_size_2 or self.kernel_size

    def describe(self, spec: DatasetSpec = MNIST) -> str:
        bn = (" + pool-first BN" if self.pool_first else " + BN") if self.batch_norm else ""
        (c1, c2), (k1, k2) = self.channels, self.kernel_sizes
        kernels = f"{k1}x{k1}" if k1 == k2 else f"{k1}x{k1}/{k2}x{k2}"
        return f"conv {c1}/{c2} {kernels}{bn}, " + (f"fc {self.fc_hidden}" if self.fc_hidden else "no hidden fc")


def _logistic(_: LogisticOptions, spec: DatasetSpec) -> nn.Module:
    from torch import nn
    return nn.Sequential(nn.Flatten(), nn.Linear(spec.image_size ** 2, spec.num_classes))


def _mlp(opts: MLPOptions, spec: DatasetSpec) -> nn.Module:
    from torch import nn
    layers: list[nn.Module] = [nn.Flatten()]
    width = spec.image_size ** 2
    for units in opts.hidden:
        layers += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(opts.dropout)]
        width = units
    layers.append(nn.Linear(width, spec.num_classes))
    return nn.Sequential(*layers)


def _cnn(opts: CNNOptions, spec: DatasetSpec) -> nn.Module:
    from torch import nn
    (c1, c2), (k1, k2) = opts.channels, opts.kernel_sizes
    side = ((spec.image_size - k1 + 1) // 2 - k2 + 1) // 2  # valid convolutions, 2x2 pooling

    def conv_block(c_in: int, c_out: int, k: int, dropout: float | None = None) -> list[nn.Module]:
        # pool, then ReLU, as seed 000 does: the same values (ReLU and max commute), a
        # quarter of the ReLU work
        conv = nn.Conv2d(c_in, c_out, k, bias=not opts.batch_norm)
        norm = nn.BatchNorm2d(c_out) if opts.batch_norm else nn.Identity()
        # conv 2 always has its Dropout2d (p may be 0): saved models' state_dict keys count it
        drop = [nn.Dropout2d(dropout)] if dropout is not None else []
        if opts.pool_first:
            return [conv, *drop, nn.MaxPool2d(2), norm, nn.ReLU()]
        return [conv, norm, *drop, nn.MaxPool2d(2), nn.ReLU()]

    convs = conv_block(1, c1, k1) + conv_block(c1, c2, k2, opts.conv_dropout)  # built first: seeded weights
    features = c2 * side * side                                                 # are drawn in layer order
    head: list[nn.Module] = [nn.Linear(features, opts.fc_hidden), nn.ReLU(), nn.Dropout(opts.dropout),
                             nn.Linear(opts.fc_hidden, spec.num_classes)] if opts.fc_hidden else \
        [nn.Dropout(opts.dropout), nn.Linear(features, spec.num_classes)]
    return nn.Sequential(*convs, nn.Flatten(), *head)


@dataclass(frozen=True)
class Architecture:
    name: str                          # in configs, URLs, the CLI and the store
    label: str                         # shown to people
    options: type[ModelOptions]        # its options dataclass (described fields become the form's widgets)
    build: Callable[[Any, DatasetSpec], nn.Module]  # options, dataset -> layers after Standardize
    presets: dict[str, dict[str, Any]]  # name -> TrainConfig values; "default" is required
    examples_per_second: float         # its default preset's training speed on 2 cores, measured
                                       # (docs/benchmarks.md): the queue's waits and core.training.budget
    summary: str = ""                  # one sentence for the form; "" shows the options' describe()
    terms: tuple[str, ...] = ()        # words of its options the lessons' glossary explains (ui.glossary)
    channel_fields: tuple[str, ...] = ()  # option fields that are conv widths ($DIGITS_MAX_CNN_CHANNELS caps them)
    channels_last: bool = False        # NHWC weights and images: oneDNN's CPU convolutions train the
                                       # default CNN 1.6x and evaluate it 2-4x faster (docs/benchmarks.md);
                                       # a layout only: values and state_dict keys are the NCHW model's
    bf16: bool = False                 # bf16 autocast trains it faster at the same accuracy where the CPU or
                                       # GPU has bf16 arithmetic (measured: core.training.precision's `auto`)
    eval_batch_size: int = 250         # test-set batch of its trainings' checks and evaluations: 1000 tests
                                       # logistic regression and the MLP 1.3-2.1x faster than 250; a CNN's
                                       # activations fit the CPU caches at 250, its checks 1.6-1.8x faster than
                                       # at 1000 (`python -m bench.speed eval-batches`, docs/benchmarks.md)

    def __post_init__(self) -> None:
        if "default" not in self.presets:
            raise ValueError(f"architecture {self.name!r} needs a 'default' preset")


ARCHITECTURES: Registry[Architecture] = Registry("an architecture", "arch")
register_architecture = ARCHITECTURES.register  # adds it to every list, form and flag of the app; a new name
architecture = ARCHITECTURES.named              # the architecture of a name, else a ConfigError


def build_model(arch: str, options: ModelOptions | None = None, dataset: str = DEFAULT_DATASET) -> nn.Module:
    """A freshly initialised model; seed torch's RNG first for repeatable weights.
    Its layers: `input` (Standardize) then `net` (the architecture's own)."""
    import torch
    from torch import nn

    from core.models.standardize import Standardize
    spec, data = architecture(arch), dataset_spec(dataset)
    options = options if options is not None else spec.options()
    if not isinstance(options, spec.options):
        raise ConfigError(f"model options {type(options).__name__} do not fit arch {arch!r}")
    model = nn.Sequential(OrderedDict(input=Standardize(data.mean, data.std, spec.channels_last),
                                      net=spec.build(options, data)))
    return model.to(memory_format=torch.channels_last) if spec.channels_last else model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def describe(arch: str, options: ModelOptions) -> str:
    """Human label such as 'CNN (conv 32/64 5x5 + BN, fc 128)'."""
    return f"{architecture(arch).label} ({options.describe()})"


def label(arch: str) -> str:
    """How people see an architecture's name; a run of one no longer registered shows its key."""
    return ARCHITECTURES[arch].label if arch in ARCHITECTURES else arch


def predict_proba(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities for model inputs (0..1 intensities, see core.data.loading.as_input), without autograd."""
    import torch

    model.eval()
    with torch.inference_mode():
        return torch.softmax(model(images), dim=1)


# Presets. `tutorial` reproduces the tutorials the project grew from (../shared/seeds);
# `default` is tuned for test accuracy per CPU-second on a 2-core machine (docs/benchmarks.md).
register_architecture(Architecture(
    "logistic", "Logistic regression", LogisticOptions, _logistic, examples_per_second=190_000.0, eval_batch_size=1000,
    summary="Logistic regression: 784 pixels → 10 scores, nothing to choose.",
    presets={
        # seeds 001/004: plain SGD lr 0.001, batch 100, 5 epochs (~89-91%)
        "tutorial": dict(epochs=5, batch_size=100, lr=0.001, optimizer="sgd", momentum=0.0),
        # Adam with short memories (betas 0.7, 0.9) and batch 256: 92.6-92.7% in 3 epochs, where
        # PyTorch's betas, batch 128 and 8 epochs took 4x as long for 92.7% (docs/benchmarks.md)
        "default": dict(epochs=3, batch_size=256, lr=0.01, optimizer="adam", beta1=0.7, beta2=0.9,
                        weight_decay=0.0, schedule="onecycle"),
        "fast": dict(epochs=1, batch_size=128, lr=0.01, optimizer="adam", beta1=0.7, beta2=0.9,
                     schedule="onecycle", test_every=10_000),
    }))
register_architecture(Architecture(
    "mlp", "MLP", MLPOptions, _mlp, examples_per_second=30_000.0, terms=("hidden layer", "dropout"), bf16=True,
    eval_batch_size=1000,
    presets={
        # seed 002: 784-50-10, dropout 0.5, SGD lr 0.01 momentum 0.5, batch 64, 3 epochs (94%)
        "tutorial": dict(model={"hidden": [50], "dropout": 0.5}, epochs=3, batch_size=64, lr=0.01,
                         optimizer="sgd", momentum=0.5),
        # betas (0.7, 0.9) reach in 4 epochs what PyTorch's took 7 for: 98.3-98.4%
        "default": dict(model={"hidden": [512, 256], "dropout": 0.2}, epochs=4, batch_size=256,
                        lr=0.003, optimizer="adamw", beta1=0.7, beta2=0.9, weight_decay=0.01, schedule="onecycle"),
        "fast": dict(model={"hidden": [256], "dropout": 0.1}, epochs=3, batch_size=256, lr=0.005,
                     optimizer="adam", beta1=0.7, beta2=0.9, schedule="onecycle", test_every=10_000),
    }))
register_architecture(Architecture(
    "cnn", "CNN", CNNOptions, _cnn, examples_per_second=5_400.0, channel_fields=("channels",), channels_last=True,
    bf16=True,
    terms=("convolution", "pooling", "batch norm", "dropout"),
    presets={
        # seed 000: conv 10/20 5x5 + fc 50, SGD lr 0.01 momentum 0.5, batch 64, 3 epochs (97%)
        "tutorial": dict(model={"channels": [10, 20], "fc_hidden": 50, "dropout": 0.5, "conv_dropout": 0.5,
                                "batch_norm": False},
                         epochs=3, batch_size=64, lr=0.01, optimizer="sgd", momentum=0.5),
        # pool-first (a quarter of the values to normalise) reaches in 3 epochs, 2.4 T, the
        # 99.4% that 4 epochs of BN before the pool took 3.7 T for (docs/benchmarks.md)
        "default": dict(model={"channels": [32, 64], "fc_hidden": 128, "dropout": 0.3, "batch_norm": True,
                               "pool_first": True},
                        epochs=3, batch_size=128, lr=0.003, optimizer="adamw", weight_decay=0.01,
                        schedule="onecycle"),
        # 32/64 convolutions trained on bent digits (core.data.augment). Bent digits are harder
        # to fit in 4 epochs: fc 256 and dropout 0.1 (the bending regularises already) keep MNIST
        # at 99.4%; milder bounds than core.data.augment's shifted test set's still read 97.9% of it,
        # where its own bounds (25°, 0.3, 2.5 px, 1) cost 0.2 points on MNIST (docs/benchmarks.md)
        "robust": dict(model={"channels": [32, 64], "fc_hidden": 256, "dropout": 0.1, "batch_norm": True},
                       epochs=4, batch_size=128, lr=0.003, optimizer="adamw", weight_decay=0.01,
                       schedule="onecycle", augment_rotation=20.0, augment_shift=2.0, augment_scale=0.25,
                       augment_stroke=0.7),
        # one epoch of a narrow net with a 5x5 first layer: 8/32 filters in bf16 read 99.01% median
        # (min 98.99%) of seeds 0-2 in 0.27 T, where 16/48 took 0.37 T (docs/benchmarks.md)
        "fast": dict(model={"channels": [8, 32], "kernel_size": 5, "kernel_size_2": 3, "fc_hidden": 0,
                            "dropout": 0.0, "batch_norm": True, "pool_first": True},
                     epochs=1, batch_size=256, lr=0.02, optimizer="adam", beta1=0.7, beta2=0.9, weight_decay=0.0,
                     schedule="onecycle", test_every=10_000),
    }))
