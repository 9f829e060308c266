"""The Train page's form: one widget per TrainConfig field, bounds read from core.

Widget values live in session_state under "train.<field>" ("train.m.<field>" for
model options). `seed_form` writes a config into those keys (first visit, preset,
shared link); `config_form` draws the widgets and returns the validated config. An
architecture's option widgets are made from its options' field descriptions
(core.ranges), so a new architecture needs no code here.
"""
from __future__ import annotations

import dataclasses

import streamlit as st

from core.config import PRESET_NAMES, TrainConfig, build_config, preset
from core.models import ARCHITECTURES, ModelOptions, architecture, label
from core.ranges import ConfigError, described_fields, field_range, log_steps
from pages.common import plain

PREFIX = "train."
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
                         step=0.05 if meta["max"] < 0.95 else 0.01, **common)
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
    for i, column in enumerate(st.columns(count)):
        with column:
            values.append(_widget(meta, f"{key}.{i}", disabled, f"{meta['label']} {i + 1}"))
    return values


def _model_options(options: type[ModelOptions], disabled: bool) -> dict:
    values = {}
    for f in described_fields(options):
        meta, key = field_range(options, f.name), f"{PREFIX}m.{f.name}"
        values[f.name] = _list_widgets(meta, key, disabled) if meta.get("length") else _widget(meta, key, disabled)
    return values


def config_form(disabled: bool, locked: frozenset[str] = frozenset()) -> TrainConfig | None:
    """Draw the form; return the config, or None after showing why it is not valid.
    `locked` settings (a teacher's link, see core.config.parse_lock) are shown but fixed."""
    def fixed(name: str) -> bool:
        return disabled or name in locked

    if locked:
        st.info(f"Your teacher fixed: {', '.join(sorted(locked))}. Change the rest and see what happens.", icon="🔒")
    arch = st.segmented_control("Architecture", options=list(ARCHITECTURES), format_func=label,
                                key=PREFIX + "arch", on_change=_switch_arch, disabled=fixed("arch"),
                                required=True, wrap=True, **KEEP)  # wrap: the form column is narrow
    spec = architecture(arch)
    st.selectbox("Preset", options=list(spec.presets), index=None,
                 format_func=lambda name: f"{name}: {PRESET_NAMES.get(name, 'a preset of this model')}",
                 placeholder="Fill the form from a preset…", key=PREFIX + "preset", on_change=_apply_preset,
                 disabled=disabled or bool(locked), **KEEP)  # a preset would overwrite fixed settings
    with st.container(border=True):
        has_options = bool(described_fields(spec.options))
        st.caption(spec.summary or (f"{spec.label} options" if has_options else spec.options().describe()))
        model = _model_options(spec.options, fixed("model"))
    values = {"arch": arch, "model": model,
              **{name: _setting(name, fixed(name)) for name in ("epochs", "batch_size", "lr")}}
    left, right = st.columns(2)
    with left:
        values["optimizer"] = _setting("optimizer", fixed("optimizer"))
    with right:
        values["schedule"] = _setting("schedule", fixed("schedule"))
    values["momentum"] = _setting("momentum", fixed("momentum") or values["optimizer"] != "sgd")
    values["weight_decay"] = _setting("weight_decay", fixed("weight_decay"))
    with st.expander("More settings"):
        values.update({name: _setting(name, fixed(name)) for name in ("seed", "train_examples", "device", "log_every")})
    try:
        return build_config(values, preset=None)
    except ConfigError as exc:
        st.error(f"These settings are not valid: {plain(exc)}")
        return None


if __name__ == "__main__":  # opened as a page (/common and the like) by Streamlit's folder mode
    from pages.navigation import require_app_navigation
    require_app_navigation()
