"""Compare: the architectures side by side, and where each one fails."""
import streamlit as st

from core.analysis.compare import (
    THRESHOLDS,
    best_per_arch,
    cell_indices,
    comparable_runs,
    disagreements,
    examples_to_accuracy,
    raced_runs,
    run_tag,
    short_names,
    time_to_accuracy,
    train_all_configs,
)
from core.analysis.run_table import run_rows
from core.analysis.visibility import visible_runs
from core.models.architectures import ARCHITECTURES, label
from core.models.evaluation import evaluate
from core.store.drawings import MyDrawings, as_split
from core.store.runs import StoreError
from core.viz.curves import (
    Curve,
    accuracy_bars,
    accuracy_figure,
    confusion_heatmap,
    per_class_error_bars,
)
from core.viz.pictures import evaluation_tiles
from ui.display import PERCENT, chart_config, show_table
from ui.identity import learner
from ui.navigation import require_app_navigation
from ui.resources import (
    bent_evaluation_of_run,
    dataset_or_stop,
    evaluation_of_run,
    model_of_run,
    my_class,
    run_store,
)
from ui.text import plain, train_all_label
from ui.trainings import sequence_progress, start_sequence, training_sequence

QUICK = {"epochs": 1, "train_examples": 5_000}  # the quick budget: seconds, not minutes
GALLERY_SIZE = 24

require_app_navigation()
st.title("⚖️ Compare")
st.caption("Which model is better, and why? Test accuracy, speed and the digits each one gets wrong.")
mnist = dataset_or_stop()
store = run_store()
sequence = training_sequence()
training = sequence is not None and not sequence.done

with st.container(border=True):
    st.caption(f"**{train_all_label()}** with their `default` presets on the same data and seed, one after "
               "another: a few minutes on a laptop CPU, or seconds with the quick budget.")
    go, stop, quick_col = st.columns([2, 2, 3], vertical_alignment="center")
    quick = quick_col.toggle("Quick comparison (1 epoch on 5,000 images)", disabled=training)
    if go.button(train_all_label(), type="primary", disabled=training, icon="▶️", key="compare.train_all",
                 width="stretch"):
        start_sequence(train_all_configs(**(QUICK if quick else {})))
    stop.button("Stop", disabled=not training, on_click=sequence.stop if training else None, icon="⏹️",
                width="stretch", help="Stops the model in training and cancels the ones still waiting.")
    sequence_progress()

everyone = st.toggle("Everyone's runs on this server", help="Off: only the runs you trained in this browser.")
runs = comparable_runs(visible_runs(store, learner(), my_class(), everyone))
if not runs:
    st.info(f"No trained model of yours yet. Press **{train_all_label()}** above, or train one on the "
            "**Train** page." + ("" if everyone else " Or switch on everyone's runs."))
    st.stop()


def default_choice(runs) -> list[str]:
    """The runs of the learner's last race when it has ended (exactly what was just trained),
    else the most accurate run of each architecture."""
    if sequence is not None and sequence.done:
        raced = raced_runs([snap.run_id for snap in sequence.snapshots()], runs)
        if raced:
            return raced
    return list(best_per_arch(runs).values())


preselected = default_choice(runs)
labels = {r.run_id: f"{r.test_accuracy:.2%} · {run_tag(r.run_id)}" for r in runs}
records = {r.run_id: r for r in runs}
defaults = {arch: [i for i in preselected if records[i].arch == arch] for arch in ARCHITECTURES}
# Keyed by what is preselected: a new race gives new pickers, showing its models.
pick_keys = {arch: f"compare.models.{arch}.{'-'.join(preselected)}" for arch in ARCHITECTURES}
shown_now = [i for arch in ARCHITECTURES for i in st.session_state.get(pick_keys[arch], defaults[arch])]
summary = ", ".join(f"{label(records[i].arch)} {records[i].test_accuracy:.1%}" for i in shown_now if i in records)
chosen = []
with st.expander(f"Models: {summary or 'none chosen'}"):
    for arch, column in zip(ARCHITECTURES, st.columns(len(ARCHITECTURES))):
        options = [r.run_id for r in runs if r.arch == arch]
        chosen += column.multiselect(label(arch), options, default=defaults[arch], format_func=labels.get,
                                     key=pick_keys[arch],
                                     help="Preselected: the runs of your last race, else the most accurate.")
evaluations = {}
for run_id in chosen:
    try:
        evaluations[run_id] = evaluation_of_run(run_id)
    except StoreError as exc:
        st.warning(f"Skipped run `{run_id}`: its model file could not be loaded ({plain(exc)}).")
if not evaluations:
    st.info("Choose at least one model that loads.")
    st.stop()
names = short_names(list(evaluations), records)


def gallery(images, indices: list[int], evaluation, captions: list[str] | None = None) -> None:
    if not indices:
        st.caption("No such digits.")
        return
    tiles, default_captions = evaluation_tiles(images, evaluation, indices[:GALLERY_SIZE])
    st.image(tiles, caption=(captions or default_captions)[:GALLERY_SIZE], width=90)


BENT = "bent-digit accuracy"
SECONDS_TO_99 = "seconds to 99%"
BENT_NOTE = ("\"bent\": the 10,000 test digits again, each rotated up to ±25°, resized to 0.7-1.2×, moved up to "
             "2.5 px and drawn thinner or thicker, the same way for every model. Augmentation (Train → "
             "Augmentation, or the CNN's *robust* preset) trains on such digits.")


def accuracy_tab() -> None:
    bent = {run_id: bent_evaluation_of_run(run_id).accuracy for run_id in evaluations}
    st.plotly_chart(accuracy_bars([names[i] for i in evaluations], [e.accuracy for e in evaluations.values()],
                                  list(bent.values())), config=chart_config())
    table = []
    columns = ("test accuracy", "budget", "epochs trained", "parameters", "training s", "trainings at once")
    for (run_id, evaluation), row in zip(evaluations.items(), run_rows([records[i] for i in evaluations], columns)):
        reached, seconds = examples_to_accuracy(records[run_id].history), time_to_accuracy(records[run_id].history)
        table.append({"model": names[run_id], "test accuracy": row.pop("test accuracy"), BENT: bent[run_id], **row,
                      SECONDS_TO_99: seconds[0.99], "test loss": evaluation.loss,
                      **{f"examples to {t:.0%}": reached[t] for t in THRESHOLDS}})
    show_table(table, **{BENT: PERCENT, SECONDS_TO_99: st.column_config.NumberColumn(format="%.1f")},
               **{f"examples to {t:.0%}": st.column_config.NumberColumn(format="localized")
                                            for t in THRESHOLDS})
    st.caption(BENT_NOTE)
    st.caption("\"examples to 99%\": training images seen until the test accuracy first reached 99% "
               "(— where it never did); it does not depend on how busy the server was. \"training s\" does: "
               "\"trainings at once\" says how many trainings shared the CPU meanwhile. \"seconds to 99%\": "
               "training time until the whole test set first scored 99%, checked at each epoch's end, or every "
               "10,000 examples or so for runs that ask for it (More settings → test-set check; the *fast* "
               "presets do).")
    left, right = st.columns(2)
    curves = [Curve(names[i], records[i].history) for i in evaluations]
    left.plotly_chart(accuracy_figure(curves, train=False, title="Test accuracy against examples seen"),
                      key="curves_examples", config=chart_config())
    right.plotly_chart(accuracy_figure(curves, x="train_seconds", train=False,
                                       title="Test accuracy against training time"),
                       key="curves_seconds", config=chart_config())


def choose_clicked_cell(run_id: str) -> None:
    """A clicked confusion-matrix cell sets the two digit boxes (before they are drawn)."""
    event = st.session_state.get(f"confusion.{run_id}")
    points = [p for p in (event.selection.points if event and event.selection else []) if "x" in p and "y" in p]
    if points:
        st.session_state[f"true.{run_id}"], st.session_state[f"guess.{run_id}"] = int(points[0]["y"]), int(points[0]["x"])


def confusion_tab(run_id: str) -> None:
    evaluation = evaluations[run_id]
    matrix, chooser = st.columns([3, 2])
    matrix.plotly_chart(confusion_heatmap(evaluation.confusion.tolist(), f"Confusion: {names[run_id]}"),
                        key=f"confusion.{run_id}", on_select=lambda: choose_clicked_cell(run_id),
                        selection_mode="points", config=chart_config())
    with chooser:
        true = st.selectbox("True digit", range(10), index=4, key=f"true.{run_id}")
        guess = st.selectbox("Predicted digit", range(10), index=9, key=f"guess.{run_id}")
        st.markdown(f"**True {true}, predicted {guess}**")
        st.caption("Click a cell of the matrix, or choose the digits above.")
        gallery(mnist.test.images, cell_indices(evaluation, true, guess), evaluation)
    st.markdown("**Most confident mistakes**")
    mistakes = evaluation.mistakes(limit=GALLERY_SIZE)
    gallery(mnist.test.images, [m.index for m in mistakes], evaluation,
            [f"says {m.predicted} ({m.confidence:.0%}), is {m.true}" for m in mistakes])


def failures_tab() -> None:
    st.plotly_chart(per_class_error_bars([names[i] for i in evaluations],
                                         [e.per_class_accuracy for e in evaluations.values()]), config=chart_config())
    for run_id, tab in zip(evaluations, st.tabs([names[i] for i in evaluations])):
        with tab:
            confusion_tab(run_id)


def disagreements_tab() -> None:
    if len(evaluations) < 2:
        st.caption("Choose two models or more above to see the digits one gets right and another gets wrong.")
        return
    left, right = st.columns(2)
    ids = list(evaluations)
    good = left.selectbox("Right according to", ids, format_func=names.get, index=len(ids) - 1)
    bad = right.selectbox("Wrong according to", ids, format_func=names.get, index=0)
    found = disagreements(evaluations[good], evaluations[bad])
    st.caption(f"{len(found):,} test digits that {names[good]} gets right and {names[bad]} gets wrong "
               f"(frames and captions show {names[bad]}'s answer).")
    gallery(mnist.test.images, found, evaluations[bad])


def drawings_tab() -> None:
    drawn = MyDrawings(store).list(learner=learner())
    if not drawn:
        st.caption("None yet. Draw digits on the **Draw** page and save each with its true digit: "
                   "this tab then tests every model on your own handwriting.")
        return
    split = as_split(drawn)
    on_drawings = {run_id: evaluate(model_of_run(run_id), split) for run_id in evaluations}
    mine = f"accuracy on your {len(split):,} drawing{'s' if len(split) != 1 else ''}"
    show_table([{"model": names[i], "MNIST test accuracy": evaluations[i].accuracy,
                 BENT: bent_evaluation_of_run(i).accuracy, mine: on_drawings[i].accuracy} for i in evaluations],
               **{"MNIST test accuracy": PERCENT, BENT: PERCENT, mine: PERCENT})
    st.caption("Models trained on MNIST meet new handwriting here: a gap to the MNIST figure shows how "
               "much the 10,000 test digits flatter them.")
    for run_id, tab in zip(on_drawings, st.tabs([names[i] for i in on_drawings])):
        tiles, captions = evaluation_tiles(split.images, on_drawings[run_id], list(range(len(split)))[-GALLERY_SIZE:])
        tab.image(tiles, caption=captions, width=90)


accuracy, failures, disagreeing, drawings = st.tabs(["Test accuracy", "Where each fails", "Disagreements",
                                                     "My drawings"])
with accuracy:
    accuracy_tab()
with failures:
    failures_tab()
with disagreeing:
    disagreements_tab()
with drawings:
    drawings_tab()
