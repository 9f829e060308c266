"""The Train page's form: one widget per TrainConfig field, bounds read from core.

Widget values live in session_state under "train.<field>" ("train.m.<field>" for
model options). `seed_form` writes a config into those keys (first visit, preset,
shared link); `config_form` draws the widgets and returns the validated config. An
architecture's option widgets are made from its options' field descriptions
(core.config.fields), so a new architecture needs no code here. Settings a teacher's link
fixes are not drawn at all: one sentence says what they are (core.training.config.lock_sentence).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from core.config.fields import ConfigError, described_fields, field_range, log_steps
from core.models.architectures import ARCHITECTURES, ModelOptions, architecture, label
from core.training.config import (
    OPTIMIZERS,
    PRESET_NAMES,
    TrainConfig,
    build_config,
    lock_sentence,
    matching_preset,
    preset,
)
from ui.glossary import what_is
from ui.text import plain, told

PREFIX = "train."
KEEP = {"persist_state": "session"}  # values survive a visit to another page
PAIRED_SETTINGS = ("epochs", "batch_size")  # drawn open, side by side
MAIN_SETTINGS = ("lr", "optimizer")          # drawn open; the rest under "More settings"
MORE_SETTINGS = ("schedule", "momentum", "beta1", "beta2", "weight_decay", "seed", "train_examples", "device",
                 "precision", "log_every", "test_every")
ONE_OPTIMIZER = {"momentum": ("sgd",), "beta1": ("adam", "adamw"), "beta2": ("adam", "adamw")}  # else greyed
AUGMENT_SETTINGS = ("augment_rotation", "augment_shift", "augment_scale", "augment_stroke")  # under "Augmentation"
ROW = 2  # list elements (layer widths) side by side: at most two fit a narrow column


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
    """Fill the form from the chosen preset, then empty the box: it is an action, and a
    name left in it would go on claiming the preset after the learner's next edit."""
    name = st.session_state[PREFIX + "preset"]
    if name is not None:
        seed_form(preset(st.session_state[PREFIX + "arch"], name))
    st.session_state[PREFIX + "preset"] = None


def _switch_arch() -> None:
    seed_form(preset(st.session_state[PREFIX + "arch"], "default"))


def _widget(meta: dict, key: str, disabled: bool, label_text: str | None = None):
    """The widget a described field asks for: a toggle, a choice, a slider for fractions,
    a log-scale slider, or a number box."""
    text, common = label_text or meta["label"], {"help": meta["help"], "key": key, "disabled": disabled, **KEEP}
    if meta["kind"] == "switch":
        return st.toggle(text, **common)
    if meta["kind"] == "choice":
        return st.selectbox(text, meta["options"], format_func=lambda v: meta["names"].get(v, v), **common)
    if meta["log"]:
        current = st.session_state.get(key, meta["default"])
        options = [0.0] * (meta["min"] == 0) + log_steps(max(meta["min"], 1e-6), meta["max"], current or None)
        return st.select_slider(text, options=options, format_func=lambda v: f"{v:g}",
                                **{**common, "help": meta["help"] + " (log scale)"})
    if isinstance(meta["max"], float) and meta["max"] <= 1:
        return st.slider(text, min_value=meta["min"], max_value=meta["max"],
                         step=meta["step"] or (0.05 if meta["max"] < 0.95 else 0.01), **common)
    whole = isinstance(meta["min"], int) and isinstance(meta["max"], int)
    return st.number_input(text, min_value=meta["min"], max_value=meta["max"],
                           step=meta["step"] or (1 if whole else 0.1), **common)


def _setting(name: str, disabled: bool) -> object:
    return _widget(field_range(TrainConfig, name), PREFIX + name, disabled)


def _list_widgets(meta: dict, key: str, disabled: bool) -> list:
    """A list field: a slider for its length (when it may vary), then a box per element side by side."""
    shortest, longest = meta["length"]
    count = shortest
    if shortest < longest:
        count = st.slider(meta["count_label"] or f"{meta['label']}s", shortest, longest, key=f"{key}.n",
                          disabled=disabled, **KEEP)
    for i in range(1, count):  # an element added by the slider starts as large as the one before
        st.session_state.setdefault(f"{key}.{i}", st.session_state.get(f"{key}.{i - 1}", meta["default"][0]))
    values = []
    for first in range(0, count, ROW):
        for i, column in zip(range(first, min(first + ROW, count)), st.columns(ROW)):
            with column:
                values.append(_widget(meta, f"{key}.{i}", disabled, f"{meta['label']} {i + 1}"))
    return values


def _model_options(options: type[ModelOptions], disabled: bool) -> dict:
    values = {}
    for f in described_fields(options):
        meta, key = field_range(options, f.name), f"{PREFIX}m.{f.name}"
        values[f.name] = _list_widgets(meta, key, disabled) if meta.get("length") else _widget(meta, key, disabled)
    return values


def teacher_lock_note(locked: dict[str, Any], after_run: bool = False) -> None:
    """What a teacher's link fixed, in words, and what to do next."""
    everything = set(locked) >= {f.name for f in dataclasses.fields(TrainConfig)}
    then = ("Press **Start** once this run has ended." if after_run else "Press **Start**." if everything
            else "Change the rest and see what happens.")
    st.info(f"Your teacher set: {plain(lock_sentence(locked))}. {then}", icon="🔒")


def config_form(disabled: bool, locked: dict[str, Any] | None = None) -> TrainConfig | None:
    """Draw the form; return the config, or None after showing why it is not valid.
    `locked` settings (a teacher's link, see core.training.config.parse_lock) keep the link's values
    and get no widget; the sentence above the form names them."""
    locked = locked or {}
    values: dict[str, Any] = dict(locked)
    if locked:
        teacher_lock_note(locked)
    if "arch" not in locked:
        values["arch"] = st.segmented_control("Architecture", options=list(ARCHITECTURES), format_func=label,
                                              key=PREFIX + "arch", on_change=_switch_arch, disabled=disabled,
                                              required=True, **KEEP)
    spec = architecture(values["arch"])
    if not locked:  # a preset would overwrite what the teacher fixed
        st.selectbox("Preset", options=list(spec.presets), index=None,
                     format_func=lambda name: f"{name}: {PRESET_NAMES.get(name, 'a preset of this model')}",
                     placeholder="Fill the form from a preset…", key=PREFIX + "preset", on_change=_apply_preset,
                     disabled=disabled, **KEEP)
    if "model" not in locked and described_fields(spec.options):
        with st.container(border=True):
            st.caption(spec.summary or f"{spec.label} options")
            values["model"] = _model_options(spec.options, disabled)
            what_is(*spec.terms)
    elif "model" not in locked:
        st.caption(spec.summary or spec.options().describe())
        values["model"] = {}
    paired = [name for name in PAIRED_SETTINGS if name not in locked]
    for name, column in zip(paired, st.columns(2) if paired else []):  # two short number boxes in one row
        with column:
            values[name] = _setting(name, disabled)
    for name in MAIN_SETTINGS:  # full width: "SGD with momentum" and a slider need it
        if name not in locked:
            values[name] = _setting(name, disabled)
    what_is("epoch", "batch", "learning rate")
    more = [name for name in MORE_SETTINGS if name not in locked]
    if more:
        with st.expander("More settings"):
            for name in more:
                unused = values.get("optimizer", locked.get("optimizer")) not in ONE_OPTIMIZER.get(name, OPTIMIZERS)
                values[name] = _setting(name, disabled or unused)
    augment = [name for name in AUGMENT_SETTINGS if name not in locked]
    if augment:
        with st.expander("Augmentation"):
            st.caption("Bend each training digit at random, afresh every batch, so the model learns digits "
                       "that are turned, moved, resized or drawn thicker than MNIST's. 0 = off; the test "
                       "digits are never bent.")
            for name in augment:
                values[name] = _setting(name, disabled)
    try:
        config = build_config(values, preset=None)
    except ConfigError as exc:
        st.error(f"These settings are not valid: {told(exc)}")
        return None
    if not locked and (name := matching_preset(config)):
        st.caption(f"These are the **{name}** preset's settings ({PRESET_NAMES.get(name, 'a preset')}).")
    return config
