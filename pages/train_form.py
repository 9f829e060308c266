"""The Train page's form: one widget per TrainConfig field, bounds read from core.

Widget values live in session_state under "train.<field>" ("train.m.<field>" for
model options). `seed_form` writes a config into those keys (first visit, preset,
shared link); `config_form` draws the widgets and returns the validated config.
"""
from __future__ import annotations

import dataclasses

import streamlit as st

from core.config import DEVICES, OPTIMIZERS, PRESETS, SCHEDULES, TrainConfig, field_range, preset
from core.models import MODEL_LABELS, MODEL_OPTIONS, CNNOptions, MLPOptions
from core.ranges import ConfigError, log_steps
from pages.common import plain

PREFIX = "train."
OPTIMIZER_LABELS = {"sgd": "SGD with momentum", "adam": "Adam", "adamw": "AdamW"}
SCHEDULE_LABELS = {"none": "constant", "onecycle": "one-cycle"}
SCHEDULE_HELP = "How the learning rate changes during training. One-cycle warms it up, then anneals it."
PRESET_LABELS = {"default": "default: tuned for this CPU", "seed": "seed: the tutorial's setup"}
KEEP = {"persist_state": "session"}  # values survive a visit to another page


def seed_form(config: TrainConfig) -> None:
    """Write `config` into the widget keys (call before the widgets are drawn, or in a callback)."""
    for f in dataclasses.fields(config):
        if f.name != "model":
            st.session_state[PREFIX + f.name] = getattr(config, f.name)
    for name, value in config.model.to_dict().items():
        if isinstance(value, list):
            st.session_state[f"{PREFIX}m.{name}.n"] = len(value)
            for i, item in enumerate(value):
                st.session_state[f"{PREFIX}m.{name}.{i}"] = item
        else:
            st.session_state[f"{PREFIX}m.{name}"] = value


def form_is_seeded() -> bool:
    return PREFIX + "arch" in st.session_state


def _apply_preset() -> None:
    name = st.session_state[PREFIX + "preset"]
    if name is not None:
        seed_form(preset(st.session_state[PREFIX + "arch"], name))


def _switch_arch() -> None:
    seed_form(preset(st.session_state[PREFIX + "arch"], "default"))
    st.session_state[PREFIX + "preset"] = "default"


def _number(name: str, label: str, disabled: bool, owner: type = TrainConfig, key: str | None = None) -> int:
    meta = field_range(name, owner)
    return st.number_input(label, min_value=meta["min"], max_value=meta["max"], step=1, help=meta["help"],
                           key=key or PREFIX + name, disabled=disabled, **KEEP)


def _fraction(name: str, label: str, disabled: bool, owner: type = TrainConfig, key: str | None = None) -> float:
    meta = field_range(name, owner)
    return st.slider(label, min_value=meta["min"], max_value=meta["max"], step=0.05 if meta["max"] < 0.95 else 0.01,
                     help=meta["help"], key=key or PREFIX + name, disabled=disabled, **KEEP)


def _log_choice(name: str, label: str, disabled: bool, with_zero: bool = False) -> float:
    meta = field_range(name)
    current = st.session_state.get(PREFIX + name, meta["default"])
    options = log_steps(max(meta["min"], 1e-6), meta["max"], current or None)
    if with_zero:
        options = [0.0, *options]
    return st.select_slider(label, options=options, help=meta["help"] + " (log scale)",
                            key=PREFIX + name, disabled=disabled, format_func=lambda v: f"{v:g}", **KEEP)


def _model_options(arch: str, disabled: bool) -> dict:
    key = f"{PREFIX}m."
    if arch == "mlp":
        meta = field_range("hidden", MLPOptions)
        layers = st.slider("Hidden layers", *meta["length"], key=key + "hidden.n", disabled=disabled, **KEEP)
        for i in range(1, layers):  # a layer added by the slider starts as wide as the one before
            st.session_state.setdefault(f"{key}hidden.{i}", st.session_state.get(f"{key}hidden.{i - 1}", 128))
        columns = st.columns(layers)
        hidden = [col.number_input(f"Units in layer {i + 1}", min_value=meta["min"], max_value=meta["max"],
                                   step=16, key=f"{key}hidden.{i}", help=meta["help"], disabled=disabled, **KEEP)
                  for i, col in enumerate(columns)]
        return {"hidden": hidden, "dropout": _fraction("dropout", "Dropout", disabled, MLPOptions, key + "dropout")}
    if arch == "cnn":
        meta = field_range("channels", CNNOptions)
        c1, c2 = st.columns(2)
        channels = [col.number_input(f"Filters in conv {i + 1}", min_value=meta["min"], max_value=meta["max"],
                                     step=1, key=f"{key}channels.{i}", help=meta["help"], disabled=disabled, **KEEP)
                    for i, col in enumerate((c1, c2))]
        return {"channels": channels,
                "kernel_size": _number("kernel_size", "Kernel size", disabled, CNNOptions, key + "kernel_size"),
                "fc_hidden": _number("fc_hidden", "Hidden units (fully connected)", disabled, CNNOptions,
                                     key + "fc_hidden"),
                "dropout": _fraction("dropout", "Dropout", disabled, CNNOptions, key + "dropout"),
                "conv_dropout": _fraction("conv_dropout", "Channel dropout", disabled, CNNOptions,
                                          key + "conv_dropout"),
                "batch_norm": st.toggle("Batch normalisation", key=key + "batch_norm", disabled=disabled, **KEEP)}
    return {}


def config_form(disabled: bool, locked: frozenset[str] = frozenset()) -> TrainConfig | None:
    """Draw the form; return the config, or None after showing why it is not valid.
    `locked` settings (a teacher's link, see core.config.parse_lock) are shown but fixed."""
    def fixed(name: str) -> bool:
        return disabled or name in locked

    if locked:
        st.info(f"Your teacher fixed: {', '.join(sorted(locked))}. Change the rest and see what happens.", icon="🔒")
    arch = st.segmented_control("Architecture", options=list(MODEL_OPTIONS), format_func=MODEL_LABELS.get,
                                key=PREFIX + "arch", on_change=_switch_arch, disabled=fixed("arch"),
                                required=True, wrap=True, **KEEP)  # wrap: the form column is narrow
    st.selectbox("Preset", options=list(PRESETS[arch]), index=None, format_func=PRESET_LABELS.get,
                 placeholder="Fill the form from a preset…", key=PREFIX + "preset", on_change=_apply_preset,
                 disabled=disabled or bool(locked), **KEEP)  # a preset would overwrite fixed settings
    with st.container(border=True):
        st.caption(f"{MODEL_LABELS[arch]} options" if arch != "logistic" else
                   "Logistic regression: 784 pixels → 10 scores, nothing to choose.")
        model = _model_options(arch, fixed("model"))
    values = {"arch": arch, "model": model,
              "epochs": _number("epochs", "Epochs", fixed("epochs")),
              "batch_size": _number("batch_size", "Batch size", fixed("batch_size")),
              "lr": _log_choice("lr", "Learning rate", fixed("lr"))}
    left, right = st.columns(2)
    with left:
        values["optimizer"] = st.selectbox("Optimizer", OPTIMIZERS, format_func=OPTIMIZER_LABELS.get,
                                           key=PREFIX + "optimizer", disabled=fixed("optimizer"), **KEEP)
    with right:
        values["schedule"] = st.selectbox("Schedule", SCHEDULES, format_func=SCHEDULE_LABELS.get,
                                          key=PREFIX + "schedule", help=SCHEDULE_HELP,
                                          disabled=fixed("schedule"), **KEEP)
    values["momentum"] = _fraction("momentum", "Momentum (SGD)", fixed("momentum") or values["optimizer"] != "sgd")
    values["weight_decay"] = _log_choice("weight_decay", "Weight decay", fixed("weight_decay"), with_zero=True)
    with st.expander("More settings"):
        values["seed"] = _number("seed", "Random seed", fixed("seed"))
        values["train_examples"] = _number("train_examples", "Training examples (0 = all 60,000)",
                                           fixed("train_examples"))
        values["device"] = st.selectbox("Device", DEVICES, key=PREFIX + "device", disabled=fixed("device"), **KEEP)
        values["log_every"] = _number("log_every", "Examples between loss points", fixed("log_every"))
    try:
        return TrainConfig.from_dict(values)
    except ConfigError as exc:
        st.error(f"These settings are not valid: {plain(exc)}")
        return None


if __name__ == "__main__":  # opened as a page (/common and the like) by Streamlit's folder mode
    from pages.navigation import require_app_navigation
    require_app_navigation()
