"""Training configuration: one validated dataclass, its ranges, and the presets.

Every bound the UI shows comes from the `bounded(...)` metadata here, so the
pages never repeat a number. `validate()` raises `ConfigError` naming the field
and its allowed range.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from core.models import MODEL_OPTIONS, ModelOptions
from core.ranges import ConfigError, bounded, validate_fields

OPTIMIZERS = ("sgd", "adam", "adamw")  # "sgd" uses `momentum`; the Adam pair ignore it
SCHEDULES = ("none", "onecycle")        # one-cycle: warm up, then anneal to ~0 by the last step
DEVICES = ("auto", "cpu", "cuda")       # auto = cuda when available, else cpu


@dataclass
class TrainConfig:
    arch: str = "logistic"              # a key of core.models.MODEL_OPTIONS
    model: ModelOptions | None = None   # that architecture's options; None = its defaults
    epochs: int = bounded(3, 1, 50, "passes over the training set")
    batch_size: int = bounded(64, 8, 2048, "examples per gradient step")
    lr: float = bounded(0.01, 1e-5, 10.0, "learning rate (peak rate with one-cycle)", log=True)
    optimizer: str = "sgd"              # one of OPTIMIZERS
    momentum: float = bounded(0.5, 0.0, 0.99, "SGD momentum")
    weight_decay: float = bounded(0.0, 0.0, 0.1, "L2 penalty (decoupled for AdamW)")
    schedule: str = "none"              # one of SCHEDULES
    seed: int = bounded(1, 0, 2**31 - 1, "seeds weights, shuffling and dropout")
    device: str = "auto"                # one of DEVICES
    train_examples: int = bounded(0, 0, 60_000, "train on the first N examples only (0 = all)")
    log_every: int = bounded(2_000, 100, 60_000, "examples between two train-loss points")

    def __post_init__(self) -> None:
        if self.arch not in MODEL_OPTIONS:
            raise ConfigError(f"arch must be one of {sorted(MODEL_OPTIONS)}, got {self.arch!r}")
        if self.model is None:
            self.model = MODEL_OPTIONS[self.arch]()
        elif isinstance(self.model, dict):
            self.model = model_options_from_dict(self.arch, self.model)
        elif not isinstance(self.model, MODEL_OPTIONS[self.arch]):
            raise ConfigError(f"model options {type(self.model).__name__} do not fit arch {self.arch!r}")

    def validate(self) -> "TrainConfig":
        for name, allowed in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("device", DEVICES)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {list(allowed)}, got {getattr(self, name)!r}")
        validate_fields(self)
        self.model.validate()
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (stored in checkpoints, the run database and URLs)."""
        out = dataclasses.asdict(self)
        out["model"] = self.model.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown config fields: {sorted(unknown)}")
        values = dict(data)
        for f in dataclasses.fields(cls):
            if f.name in values and f.name not in ("arch", "model"):
                values[f.name] = _coerce(f, values[f.name])
        return cls(**values).validate()

    def replace(self, **changes: Any) -> "TrainConfig":
        return TrainConfig.from_dict({**self.to_dict(), **changes})


def model_options_from_dict(arch: str, data: dict[str, Any]) -> ModelOptions:
    return MODEL_OPTIONS[arch].from_dict(data)


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """Turn strings from a URL or CLI into the field's type, with a clear error."""
    kind = {"int": int, "float": float, "str": str}.get(str(f.type), None)
    if kind is None or isinstance(value, kind) and not isinstance(value, bool):
        return value
    try:
        converted = kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{f.name} must be a number, got {_shown(value)}") from None
    except OverflowError:  # int(float("inf")), int(float("1e400"))
        raise ConfigError(f"{f.name} must be a finite number, got {_shown(value)}") from None
    if kind is float and not math.isfinite(converted):
        raise ConfigError(f"{f.name} must be a finite number, got {_shown(value)}")
    return converted


def _shown(value: Any, limit: int = 40) -> str:
    """A visitor's value as an error message quotes it: repr'd and cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def field_range(name: str, owner: type = TrainConfig) -> dict[str, Any]:
    """The `bounded` metadata of a field: min, max, help, log, default."""
    f = {f.name: f for f in dataclasses.fields(owner)}[name]
    return {**f.metadata, "default": f.default}


# Presets. `seed` reproduces the tutorials in ../shared/seeds; `default` is tuned
# for test accuracy per CPU-second on a 2-core machine (docs/benchmarks.md).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "logistic": {
        # seeds 001/004: plain SGD lr 0.001, batch 100, 5 epochs (~89-91%)
        "seed": dict(epochs=5, batch_size=100, lr=0.001, optimizer="sgd", momentum=0.0),
        "default": dict(epochs=8, batch_size=128, lr=0.005, optimizer="adam", weight_decay=0.0,
                        schedule="onecycle"),
    },
    "mlp": {
        # seed 002: 784-50-10, dropout 0.5, SGD lr 0.01 momentum 0.5, batch 64, 3 epochs (94%)
        "seed": dict(model={"hidden": [50], "dropout": 0.5}, epochs=3, batch_size=64, lr=0.01,
                     optimizer="sgd", momentum=0.5),
        # batch 256 for 7 epochs: 98.6% in 15 s, where batch 128 for 12 took 31 s for 98.6%
        "default": dict(model={"hidden": [512, 256], "dropout": 0.2}, epochs=7, batch_size=256,
                        lr=0.003, optimizer="adamw", weight_decay=0.01, schedule="onecycle"),
    },
    "cnn": {
        # seed 000: conv 10/20 5x5 + fc 50, SGD lr 0.01 momentum 0.5, batch 64, 3 epochs (97%)
        "seed": dict(model={"channels": [10, 20], "fc_hidden": 50, "dropout": 0.5, "conv_dropout": 0.5,
                            "batch_norm": False},
                     epochs=3, batch_size=64, lr=0.01, optimizer="sgd", momentum=0.5),
        "default": dict(model={"channels": [32, 64], "fc_hidden": 128, "dropout": 0.3, "batch_norm": True},
                        epochs=4, batch_size=128, lr=0.003, optimizer="adamw", weight_decay=0.01,
                        schedule="onecycle"),
    },
}


def preset(arch: str, name: str = "default", **overrides: Any) -> TrainConfig:
    """A validated config for `arch` from the named preset, with optional overrides."""
    if arch not in PRESETS:
        raise ConfigError(f"arch must be one of {sorted(PRESETS)}, got {arch!r}")
    if name not in PRESETS[arch]:
        raise ConfigError(f"preset must be one of {sorted(PRESETS[arch])}, got {name!r}")
    values = {"arch": arch, **PRESETS[arch][name], **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig.from_dict(values)


# -- the configuration as URL query parameters (shareable links) ----------------------
# Model options are prefixed "m." and lists are comma-separated, so a link reads like
# ?arch=mlp&epochs=5&lr=0.002&m.hidden=256,128&m.dropout=0.2
def to_query(config: TrainConfig) -> dict[str, str]:
    flat = {k: _query_text(v) for k, v in config.to_dict().items() if k != "model"}
    flat.update({f"m.{k}": _query_text(v) for k, v in config.model.to_dict().items()})
    return flat


def from_query(params: dict[str, str]) -> TrainConfig:
    """Parse `to_query` output back. Settings a link leaves out come from the
    architecture's preset named by `preset` (default: `default`); keys that are not
    settings are ignored."""
    names = {f.name for f in dataclasses.fields(TrainConfig)} - {"model"}
    values: dict[str, Any] = {k: v for k, v in params.items() if k in names}
    arch = values.get("arch", "logistic")
    if arch not in MODEL_OPTIONS:
        raise ConfigError(f"arch must be one of {sorted(MODEL_OPTIONS)}, got {_shown(arch)}")
    preset_name = params.get("preset", "default")
    if preset_name not in PRESETS[arch]:
        raise ConfigError(f"preset must be one of {sorted(PRESETS[arch])}, got {_shown(preset_name)}")
    option_fields = {f.name: str(f.type) for f in dataclasses.fields(MODEL_OPTIONS[arch])}
    model = {}
    for key, text in params.items():
        name = key[2:] if key.startswith("m.") else None
        if name in option_fields:
            model[name] = _parse_option(name, option_fields[name], text)
    base = PRESETS[arch][preset_name]
    return TrainConfig.from_dict({**base, **values, "model": {**base.get("model", {}), **model}})


def parse_lock(text: str | None) -> frozenset[str]:
    """The settings a teacher's link fixes: `lock=arch,epochs,lr`, `lock=model` (all model
    options) or `lock=all`. Unknown names are a ConfigError."""
    lockable = {f.name for f in dataclasses.fields(TrainConfig)}
    names = {name.strip() for name in (text or "").split(",") if name.strip()}
    if "all" in names:
        return frozenset(lockable)
    unknown = names - lockable
    if unknown:
        raise ConfigError(f"lock names unknown settings {_shown(sorted(unknown))}; choose from "
                          f"{sorted(lockable)} or 'all'")
    return frozenset(names)


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _parse_option(name: str, kind: str, text: str) -> Any:
    try:
        if kind.startswith("list"):
            return [int(part) for part in text.split(",")[:16] if part.strip()]  # longer lists fail the range check
        if kind == "bool":
            return text.strip().lower() in ("1", "true", "yes", "on")
        value = int(float(text)) if kind == "int" else float(text)
    except (ValueError, OverflowError):
        raise ConfigError(f"model.{name} must be a {kind}, got {_shown(text)}") from None
    if kind == "float" and not math.isfinite(value):
        raise ConfigError(f"model.{name} must be a finite number, got {_shown(text)}")
    return value
