"""Training configuration: one frozen, validated dataclass, built one way.

Every bound and choice the UI and the CLI show comes from the field descriptions here
(core.config.fields), so no page repeats a number. A `TrainConfig` validates itself when it
is made, raising `ConfigError` naming the field and what it allows. `build_config` is
the one way from loose values (a preset, a link, the form, the command line, a stored
run) to a config: the architecture's preset, then the given values on top, model
options merged into the preset's.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from core.config.fields import (
    ConfigError,
    bounded,
    choice,
    described_fields,
    field_range,
    parse_text,
    quoted,
    validate_fields,
)
from core.data.datasets import DATASETS, DEFAULT_DATASET
from core.models.architectures import ModelOptions, architecture, label
from core.training.precision import PRECISIONS

PRESET_NAMES = {"default": "tuned for this CPU", "tutorial": "the tutorial's setup",  # how the form shows them
                "robust": "trained on bent digits", "fast": "speedrun: fastest to its target"}
OPTIMIZERS = ("sgd", "adam", "adamw")  # "sgd" uses `momentum`, the Adam pair `beta1` and `beta2`
SCHEDULES = ("none", "onecycle")        # one-cycle: warm up, then anneal to ~0 by the last step
DEVICES = ("auto", "cpu", "cuda")       # auto = cuda when available, else cpu


@dataclass(frozen=True)
class TrainConfig:
    arch: str = "logistic"              # a key of core.models.architectures.ARCHITECTURES
    model: ModelOptions | None = None   # that architecture's options (a dict is read as them); None = its defaults
    dataset: str = DEFAULT_DATASET      # a key of core.data.datasets.DATASETS
    epochs: int = bounded(3, 1, 50, "passes over the training set", label="Epochs")
    batch_size: int = bounded(64, 8, 2048, "examples per gradient step", label="Batch size")
    lr: float = bounded(0.01, 1e-5, 10.0, "learning rate (peak rate with one-cycle)", log=True,
                        label="Learning rate")
    optimizer: str = choice("sgd", OPTIMIZERS, "how each step follows the gradient", label="Optimizer",
                            names={"sgd": "SGD with momentum", "adam": "Adam", "adamw": "AdamW"})
    momentum: float = bounded(0.5, 0.0, 0.99, "SGD momentum", label="Momentum (SGD)")
    # Adam's betas: how much of the past gradient (beta 1) and of its size (beta 2) each step
    # keeps. PyTorch's defaults; shorter memories (0.7, 0.9) suit trainings of a few hundred steps.
    beta1: float = bounded(0.9, 0.0, 0.999, "Adam and AdamW: the share of the past gradient each step "
                           "keeps (their momentum)", label="Beta 1 (Adam)")
    beta2: float = bounded(0.999, 0.0, 0.9999, "Adam and AdamW: the share of the past squared gradient "
                           "each step keeps", label="Beta 2 (Adam)")
    weight_decay: float = bounded(0.0, 0.0, 0.1, "L2 penalty (decoupled for AdamW)", log=True, label="Weight decay")
    schedule: str = choice("none", SCHEDULES, "How the learning rate changes during training. One-cycle warms "
                           "it up, then anneals it.", label="Schedule",
                           names={"none": "constant", "onecycle": "one-cycle"})
    seed: int = bounded(1, 0, 2**31 - 1, "seeds weights, shuffling and dropout", label="Random seed")
    device: str = choice("auto", DEVICES, "auto: a CUDA GPU when PyTorch sees one, else the CPU", label="Device")
    precision: str = choice("auto", PRECISIONS, "the number format of each training step: bf16 moves half the "
                            "bytes and is faster where the processor does it natively; auto uses it only "
                            "where it was measured faster at the same accuracy", label="Precision",
                            names={"auto": "auto", "float32": "float32", "bf16": "bfloat16 (bf16)"})
    train_examples: int = bounded(0, 0, 60_000, "train on the first N examples only (0 = all)",
                                  label="Training examples (0 = all 60,000)")
    log_every: int = bounded(2_000, 100, 60_000, "examples between two train-loss points",
                             label="Examples between loss points")
    # Measurement only: the trained weights are the same with or without these checks.
    test_every: int = bounded(0, 0, 60_000, "check the whole test set every N training examples, off the "
                              "training clock, for a finer time to accuracy (0 = at epoch ends only)",
                              label="Test-set check every N examples (0 = epoch ends)", step=1_000)
    # Augmentation (core.data.augment): each training image bent at random within these bounds,
    # drawn afresh every batch; 0 = off. Evaluation and the probes always see the digits as they are.
    augment_rotation: float = bounded(0.0, 0.0, 45.0, "turn each training digit by a random angle of up to "
                                      "this many degrees either way (0 = off)", label="Rotation (± degrees)",
                                      step=5.0)
    augment_shift: float = bounded(0.0, 0.0, 6.0, "move each training digit by up to this many pixels "
                                   "along each axis (0 = off)", label="Shift (± pixels)", step=0.5)
    augment_scale: float = bounded(0.0, 0.0, 0.4, "shrink or enlarge each training digit by up to this "
                                   "fraction: 0.3 draws sizes from 0.7x to 1.3x (0 = off)",
                                   label="Scale (± fraction)", step=0.05)
    augment_stroke: float = bounded(0.0, 0.0, 1.0, "thin or thicken each training digit's strokes; 1 = up to a "
                                    "pixel's erosion or dilation (0 = off)", label="Stroke width (±)", step=0.1)

    def __post_init__(self) -> None:
        spec = architecture(self.arch)
        if not isinstance(self.dataset, str) or self.dataset not in DATASETS:
            raise ConfigError(f"dataset must be one of {sorted(DATASETS)}, got {quoted(self.dataset)}")
        if self.model is None:
            object.__setattr__(self, "model", spec.options())
        elif isinstance(self.model, dict):
            object.__setattr__(self, "model", spec.options.from_dict(self.model))
        elif not isinstance(self.model, spec.options):
            raise ConfigError(f"model options {type(self.model).__name__} do not fit arch {self.arch!r}")
        validate_fields(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (stored in checkpoints, the run database and URLs)."""
        out = dataclasses.asdict(self)
        out["model"] = self.model.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainConfig":
        """A stored config (a run row, a checkpoint): its values alone, no preset under them.
        Configs stored before datasets were recorded are MNIST's."""
        return build_config(data, preset=None)


SETTINGS = tuple(f.name for f in described_fields(TrainConfig))  # the hyperparameters, in form order


def build_config(values: Mapping[str, Any], preset: str | None = "default") -> TrainConfig:
    """The config of `values["arch"]` (default: logistic) from its `preset` (None: the
    dataclass defaults), with `values` on top. Text (from a URL or the command line) is
    read as the field's type; model options update the preset's rather than replace them."""
    unknown = set(values) - {f.name for f in dataclasses.fields(TrainConfig)}
    if unknown:
        raise ConfigError(f"unknown config fields: {quoted(sorted(unknown))}")
    arch = values.get("arch", "logistic")
    # a deep copy: a config's lists are its own, never the registry's preset
    base = copy.deepcopy(architecture(arch).presets[preset_name(arch, preset)]) if preset is not None else {}
    given = {name: parse_text(name, field_range(TrainConfig, name), value) if name in SETTINGS else value
             for name, value in values.items()}
    model = given.pop("model", None)
    if model is not None and not isinstance(model, (dict, ModelOptions)):
        raise ConfigError(f"model options must be an object such as {{\"hidden\": [256]}}, got {quoted(model)}")
    if isinstance(model, ModelOptions):
        model = model.to_dict()
    return TrainConfig(**{**base, **given, "arch": arch, "model": {**base.get("model", {}), **(model or {})}})


def preset_name(arch: str, name: str) -> str:
    """`name` as a preset of `arch` (old names read as their new ones), or a ConfigError."""
    presets = architecture(arch).presets
    if name not in presets:
        raise ConfigError(f"preset must be one of {sorted(presets)}, got {quoted(name)}")
    return name


def preset(arch: str, name: str = "default", **overrides: Any) -> TrainConfig:
    """A validated config for `arch` from the named preset, with optional overrides (None: unset)."""
    return build_config({"arch": arch, **{k: v for k, v in overrides.items() if v is not None}}, name)


# -- the configuration as URL query parameters (shareable links) ----------------------
# Model options are prefixed "m." and lists are comma-separated, so a link reads like
# ?arch=mlp&epochs=5&lr=0.002&m.hidden=256,128&m.dropout=0.2
def to_query(config: TrainConfig) -> dict[str, str]:
    flat = {k: _query_text(v) for k, v in config.to_dict().items() if k != "model"}
    flat.update({f"m.{k}": _query_text(v) for k, v in config.model.to_dict().items()})
    return flat


def from_query(params: Mapping[str, str]) -> TrainConfig:
    """Parse `to_query` output back. Settings a link leaves out come from the
    architecture's preset named by `preset` (default: `default`); keys that are not
    settings are ignored."""
    values: dict[str, Any] = {k: v for k, v in params.items() if k in SETTINGS or k in ("arch", "dataset")}
    arch = architecture(values.get("arch", "logistic"))
    options = {f.name: f.metadata for f in described_fields(arch.options)}
    values["model"] = {key[2:]: parse_text(f"model.{key[2:]}", options[key[2:]], text)
                       for key, text in params.items() if key.startswith("m.") and key[2:] in options}
    return build_config(values, params.get("preset", "default"))


def parse_lock(text: str | None) -> frozenset[str]:
    """The settings a teacher's link fixes: `lock=arch,epochs,lr`, `lock=model` (all model
    options) or `lock=all`. Unknown names are a ConfigError."""
    lockable = {f.name for f in dataclasses.fields(TrainConfig)}
    names = {name.strip() for name in (text or "").split(",") if name.strip()}
    if "all" in names:
        return frozenset(lockable)
    unknown = names - lockable
    if unknown:
        raise ConfigError(f"lock names unknown settings {quoted(sorted(unknown))}; choose from "
                          f"{sorted(lockable)} or 'all'")
    return frozenset(names)


def locked_values(config: TrainConfig, names: frozenset[str]) -> dict[str, Any]:
    """The values of `config` a teacher's link locks (names from parse_lock), model options as
    a plain dict; locking the model's options locks its architecture too."""
    names = names | {"arch"} if "model" in names else names
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name in names}
    return {**values, **({"model": config.model.to_dict()} if "model" in names else {})}


def matching_preset(config: TrainConfig) -> str | None:
    """The name of the preset of config's architecture that config is exactly, if any."""
    return next((name for name in architecture(config.arch).presets if preset(config.arch, name) == config), None)


def _setting_text(name: str, value: Any) -> str:
    meta = field_range(TrainConfig, name)
    return f"{meta['label'].lower()} {_value_text(meta, value)}"


def _value_text(meta: Mapping[str, Any], value: Any) -> str:
    """A setting's value for people: a choice by its name, a float without trailing zeros."""
    if meta.get("kind") == "choice":
        value = meta["names"].get(value, value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def epochs_text(epochs: int) -> str:
    return f"{epochs} epoch{'s' if epochs != 1 else ''}"


def in_brief(config: TrainConfig, with_lr: bool = False) -> str:
    """A run named in a line: "CNN, 3 epochs" (with `with_lr`: ", learning rate 0.003")."""
    return f"{label(config.arch)}, {epochs_text(config.epochs)}" + (f", learning rate {config.lr:g}" if with_lr else "")


def lock_sentence(locked: Mapping[str, Any]) -> str:
    """What a teacher's link fixed (locked_values), in words: "CNN, 1 epoch and layers conv
    10/20 5x5, fc 50". Fixed settings that are a preset's are summed up as that preset's, so
    `lock=all` reads "MLP, 2 epochs, …, learning rate 0.01 and the default preset's other settings"."""
    arch = locked.get("arch", "logistic")
    parts = [label(arch)] if "arch" in locked else []
    if "epochs" in locked:
        parts.append(epochs_text(locked["epochs"]))
    if "model" in locked:
        parts.append(f"layers {architecture(arch).options.from_dict(locked['model']).describe()}")
    rest = {name: value for name, value in locked.items() if name not in ("arch", "epochs", "model", "dataset")}
    presets = {name: preset(arch, name).to_dict() for name in architecture(arch).presets}
    closest = min(presets, key=lambda name: sum(presets[name].get(k) != v for k, v in rest.items()))
    differing = [name for name, value in rest.items() if presets[closest].get(name) != value]
    parts += [_setting_text(name, rest[name]) for name in differing]
    if len(differing) < len(rest):
        parts.append(f"the {closest} preset's other settings")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""


def settings_in_words(config: TrainConfig) -> list[dict[str, str]]:
    """Every setting of `config` as a row for people: {"setting": its label, "value": in words}."""
    rows = [{"setting": "Architecture", "value": label(config.arch)},
            {"setting": "Layers", "value": config.model.describe()}]
    for f in dataclasses.fields(config):
        meta = field_range(TrainConfig, f.name)
        if "label" in meta:  # the settings of the form (not the architecture, its layers or the dataset)
            rows.append({"setting": meta["label"], "value": _value_text(meta, getattr(config, f.name))})
    return rows


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class StartingSettings:
    """What the Train form starts from in a new session."""
    config: TrainConfig
    locked: dict[str, Any]   # the values a teacher's link fixes (locked_values)
    problem: str = ""        # why a link's settings could not be used; '' when they could


def starting_settings(query: Mapping[str, str], latest: TrainConfig | None) -> StartingSettings:
    """A shared link's settings and lock win; with no link, the learner's latest training's
    (so the form matches the result beside it); else the logistic default. A link that
    cannot be read falls back to the default, saying why."""
    try:
        config = from_query(query) if query else latest or preset("logistic")
        return StartingSettings(config, locked_values(config, parse_lock(query.get("lock"))))
    except ConfigError as exc:
        return StartingSettings(preset("logistic"), {}, str(exc))


def settings_locked(link_locked: dict[str, Any], class_setup: TrainConfig | None, setup_mode: str) -> dict[str, Any]:
    """The settings nobody may change: every one of the class's setup when the teacher locks it,
    else those the link locked."""
    if class_setup is not None and setup_mode == "lock":
        return locked_values(class_setup, parse_lock("all"))
    return link_locked
