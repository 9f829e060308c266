"""The Inside page's tabs, one function each; all computing is in core.models.inspect and
core.models.robustness, these only lay it out."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from core.analysis.compare import run_label, short_names
from core.data.augment import Change
from core.models.drawing import predict
from core.models.inspect import (
    blocks,
    conv_filters,
    embedding,
    feature_stages,
    first_layer_units,
    has_hidden_layer,
    logistic_scores,
    logistic_weights,
    place_on_map,
)
from core.models.robustness import ROBUSTNESS_IMAGES, bent, robustness_curves
from core.store.checkpoints import StoreError
from core.viz.inside import (
    embedding_figure,
    network_figure,
    robustness_figure,
    unit_bars,
)
from core.viz.pictures import digit_picture, diverging, enlarge, mosaic
from ui.display import chart_config, show_chart, show_table
from ui.lessons import did
from ui.resources import current_data_dir, fragment, model_of_run
from ui.text import plain, told

UNITS_SHOWN = 32  # MLP first-layer units drawn, the most influential first
MAPS_PER_ROW = 8
LAB_MODELS = 4    # models the lab compares at once: each one's curves cost 30 passes over 1,000 digits


def _picture(values, scale: float | None = None, factor: int = 4) -> np.ndarray:
    return enlarge(diverging(values, scale), factor)


def _digit_names(scores) -> list[str]:
    return [str(d) for d in range(len(scores))]


def what_it_looks_for(model, arch: str) -> None:
    if arch == "logistic":
        weights = logistic_weights(model)
        st.markdown("**One weight image per digit.** Red pixels vote *for* that digit when they hold ink, "
                    "blue ones *against* it; all ten share one colour scale.")
        scale = float(weights.abs().max())
        st.image([_picture(w, scale, 3) for w in weights], caption=[f"digit {d}" for d in range(len(weights))],
                 width=90, alt=[f"Weights of digit {d}: red where ink votes for it, blue against"
                                for d in range(len(weights))])
    elif arch == "mlp":
        units, order = first_layer_units(model, UNITS_SHOWN)
        st.markdown(f"**What the first hidden layer's units look for** ({UNITS_SHOWN} of "
                    f"{len(model.net[1].weight):,}, those whose outgoing weights are largest first). "
                    "Each unit adds up the image through this mask: red counts ink, blue counts against.")
        st.image([_picture(u, None, 3) for u in units], caption=[f"unit {i}" for i in order], width=90,
                 alt=[f"What hidden unit {i} looks for: red counts ink, blue counts against it" for i in order])
        st.caption("After a short training these look like static: the units start random and drift only a "
                   "little. Train longer (the default preset) and strokes and blobs appear.")
    else:
        for number, weights in enumerate(conv_filters(model), start=1):
            out, inputs, k, _ = weights.shape
            if inputs == 1:
                st.markdown(f"**Conv {number}: {out} filters of {k}×{k}**, each slid over the image. "
                            "Red weights respond to ink, blue to its absence: edges, strokes, corners.")
                st.caption(f"A filter is a small pattern detector: at every place of the image it adds up the "
                           f"{k}×{k} pixels under it, weighted by these colours. Where the pattern matches, its "
                           "map (Layer by layer) lights up.")
                st.image(_picture(mosaic(weights[:, 0], MAPS_PER_ROW), factor=10), width=min(700, 88 * MAPS_PER_ROW),
                         alt=f"The {out} filters of conv {number}, {k}×{k} each: red responds to ink, blue to "
                             "its absence")
            else:  # out × inputs small pictures: a wall, so it opens on request
                with st.expander(f"Conv {number}: {out} filters, each {inputs} slices of {k}×{k} "
                                 f"({out * inputs:,} small pictures)"):
                    st.markdown(f"One row per filter, one column per map of conv {number - 1} it reads: a filter "
                                "adds up what it finds in every map below it.")
                    factor = max(1, min(3, 700 // (inputs * (k + 1))))  # 128 inputs of 7×7 still fit a screen
                    st.image(_picture(mosaic(weights.reshape(-1, k, k), inputs), factor=factor), width="content",
                             alt=f"The {out} filters of conv {number}, one row each, {inputs} slices of {k}×{k} "
                                 "per row")


def _digit_answer(scores: torch.Tensor) -> None:
    probabilities = torch.softmax(scores, dim=0).tolist()
    show_chart(unit_bars(probabilities, "output: the probability of each digit", _digit_names(probabilities)),
               key=f"outputs.{id(scores)}", config=chart_config(static=True))


def layer_by_layer(model, arch: str, image: torch.Tensor) -> None:
    if arch == "logistic":
        parts = logistic_scores(model, image)
        st.markdown("**Weight × ink, for each digit.** A digit's score adds up its picture (plus what a blank "
                    "page scores); the highest score wins.")
        scale = float(parts.contributions.abs().max())
        st.image([_picture(c, scale, 3) for c in parts.contributions], width=90,
                 caption=[f"{d}: score {s:.1f}" for d, s in enumerate(parts.scores.tolist())],
                 alt=[f"Weight times ink for digit {d}, adding up to a score of {s:.1f}"
                      for d, s in enumerate(parts.scores.tolist())])
        scores, probabilities = st.columns(2)
        show_chart(unit_bars(parts.scores.tolist(), "the ten scores", _digit_names(parts.scores)), scores,
                   key="inside.scores", config=chart_config(static=True))
        with probabilities:
            _digit_answer(parts.scores)
        return
    stages = feature_stages(model, image)
    maps = [stage for stage in stages if stage.maps.dim() == 3]
    if maps:
        st.caption("Each small picture is one filter's map: where in the digit that filter found its pattern. "
                   "Max-pool keeps the strongest value of every 2×2 square (half the size); ReLU turns "
                   "negatives into 0, so a map either fires or stays silent.")
    for pair in range(0, len(maps), 2):  # a convolution and its pooling side by side
        for stage, column in zip(maps[pair:pair + 2], st.columns(2)):
            column.markdown(f"**{stage.title}**")
            column.image(_picture(mosaic(stage.maps, MAPS_PER_ROW), factor=4 if stage.maps.shape[-1] > 8 else 8),
                         width="stretch" if stage.maps.shape[-1] > 8 else "content",
                         alt=f"{stage.title}: {len(stage.maps)} maps, bright where the digit matches a filter")
    for number, stage in enumerate(stage for stage in stages if stage.maps.dim() == 1):
        if stage.title.startswith("output"):
            scores, probabilities = st.columns(2)
            show_chart(unit_bars(stage.maps.tolist(), stage.title, _digit_names(stage.maps)), scores,
                       key=f"inside.stage.{number}", config=chart_config(static=True))
            with probabilities:
                _digit_answer(stage.maps)
        else:
            show_chart(unit_bars(stage.maps.tolist(), stage.title), key=f"inside.stage.{number}",
                       config=chart_config(static=True))
    st.caption("Red: a positive value, blue: a negative one, white: zero; each layer has its own scale. "
               "The ten scores become probabilities with softmax: the highest score wins.")


def network_view(model, side: int) -> None:
    found = blocks(model, side)
    show_chart(network_figure(found), key="inside.network", config=chart_config(static=True))
    st.caption(f"{sum(b.parameters for b in found):,} parameters in all, measured on the model itself. "
               "**conv**: small pattern detectors slid over the image; **batch norm**: rescales each map; "
               "**max-pool**: keeps the strongest value of each 2×2 square; **ReLU**: keeps positives, turns "
               "negatives into 0; **flatten**: lays the maps out as one list; **fully connected**: every value "
               "feeds every unit. The last layer's ten values are the scores of the digits 0-9.")
    with st.expander("As a table"):
        show_table([{"step": b.title, "output": " × ".join(str(n) for n in b.shape), "parameters": b.parameters}
                    for b in found])


@st.cache_resource(max_entries=8, show_spinner="Mapping 2,000 test digits…")
def _embedding(run_id: str, data_root: str, _test):
    return embedding(model_of_run(run_id), _test)


def _open_clicked(index_key: str, request_key: str, chart_key: str) -> None:
    points = (st.session_state.get(chart_key) or {}).get("selection", {}).get("points", [])
    if points and points[0].get("customdata"):
        st.session_state[index_key] = int(points[0]["customdata"][0])
        st.session_state[request_key] = "test"


def test_set_map(run_id: str, model, mnist, index_key: str, request_key: str, drawing=None) -> None:
    """`drawing` (a (1, 1, H, W) image), when given, is placed on the map as a star."""
    found = _embedding(run_id, current_data_dir(), mnist.test)
    seen = ("the pixels themselves (logistic regression has no hidden layer)" if not has_hidden_layer(model)
            else f"the {found.features} values of its last hidden layer")
    st.markdown(f"**2,000 test digits as this model sees them**: {seen}, squeezed onto the two directions in "
                "which they differ most (PCA, principal component analysis). Digits the model finds alike land "
                "together. Click a point to open that digit."
                + (" The star is your drawing." if drawing is not None else ""))
    chart_key = f"inside.map.{run_id}"
    star = place_on_map(model, found, drawing) if drawing is not None else None
    show_chart(embedding_figure(found, None if drawing is not None else st.session_state.get(index_key), star),
               key=chart_key,
               on_select=lambda: _open_clicked(index_key, request_key, chart_key), selection_mode="points",
               config=chart_config())


@st.cache_resource(max_entries=32, show_spinner=f"Bending {ROBUSTNESS_IMAGES:,} test digits…")
def _curves(run_id: str, data_root: str, _test):
    return robustness_curves(model_of_run(run_id), _test)


@fragment
def bend_lab(image: torch.Tensor, runs: dict, best: dict, mnist) -> None:
    """Sliders bend the digit; each chosen model answers at once (only this part reruns).
    The answers come first, so on a phone they sit right above the sliders."""
    answers, sliders = st.columns([3, 2])
    with sliders:
        change = Change(angle=st.slider("Rotate (°)", -45, 45, 0, key="lab.angle"),
                        scale=st.slider("Scale", 0.5, 1.5, 1.0, 0.05, key="lab.scale"),
                        shift_x=st.slider("Move right (px)", -6, 6, 0, key="lab.x"),
                        shift_y=st.slider("Move down (px)", -6, 6, 0, key="lab.y"),
                        stroke=st.slider("Thinner ← stroke → thicker", -1.0, 1.0, 0.0, 0.1, key="lab.stroke"),
                        noise=st.slider("Noise", 0.0, 0.5, 0.0, 0.05, key="lab.noise"))
    changed = bent(image, change)
    if change != Change():
        did("inside.bend")
    with answers:
        picture, replies = st.columns([1, 2], vertical_alignment="center")
        picture.image(digit_picture(changed, 4), caption="the bent digit", width=112, alt="The digit, bent as the sliders say")
        chosen = st.multiselect("Models", list(runs), default=[i for i in best.values() if i in runs][:LAB_MODELS],
                                format_func=lambda i: run_label(runs[i], accuracy=False), key="lab.models",
                                max_selections=LAB_MODELS, help=f"Up to {LAB_MODELS}: each one's curves take "
                                "a second or two to compute the first time.")
        lines, names = [], short_names(chosen, runs)
        for run_id in chosen:
            name = names[run_id]
            try:
                reply = predict(model_of_run(run_id), changed)
            except StoreError as exc:
                lines.append(f"{plain(name)} could not be loaded: {told(exc)}")
                continue
            sure = f"{reply.confidence:.0%} sure" if reply.sure else f"not sure, {reply.confidence:.0%}"
            lines.append(f"{plain(name)} reads **{reply.digit}** ({sure})")
        replies.markdown("  \n".join(lines) or "Choose a model below.")
    if not chosen:
        return
    st.markdown(f"**Accuracy as every one of {ROBUSTNESS_IMAGES:,} test digits is bent the same way**")
    curves = {names[i]: _curves(i, current_data_dir(), mnist.test) for i in chosen}
    by_angle, by_scale = st.columns(2)
    show_chart(robustness_figure({n: c[0] for n, c in curves.items()}, "Rotated", "angle (°)", ".0f",
               change.angle), by_angle,
               key="lab.by_angle", config=chart_config())
    show_chart(robustness_figure({n: c[1] for n, c in curves.items()}, "Scaled", "scale", ".1f",
               change.scale), by_scale,
               key="lab.by_scale", config=chart_config())
