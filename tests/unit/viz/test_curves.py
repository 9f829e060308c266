import dataclasses

import pytest

from core.training.history import History
from core.viz.curves import Curve, accuracy_figure, loss_figure, smooth

HISTORY = History.from_dict({
    "train_points": [[100, 2.0], [200, 1.0], [300, 0.5]],
    "epochs": [
        {"epoch": 0, "examples_seen": 0, "train_seconds": 0.0, "train_loss": None, "train_accuracy": None,
         "test_loss": 2.3, "test_accuracy": 0.1},
        {"epoch": 1, "examples_seen": 300, "train_seconds": 1.5, "train_loss": 1.1, "train_accuracy": 0.7,
         "test_loss": 0.6, "test_accuracy": 0.8},
    ],
})


def test_smooth_starts_at_the_first_value_and_lags_behind():
    assert smooth([]) == []
    values = smooth([2.0, 1.0, 0.5])
    assert values[0] == pytest.approx(2.0)
    assert 0.5 < values[-1] < 1.0


def test_loss_figure_has_raw_smoothed_and_test_points_with_short_legends():
    fig = loss_figure([Curve("now", HISTORY), Curve("earlier", HISTORY, dashed=True)])
    names = [trace.name for trace in fig.data]
    assert names == ["train loss", "smoothed", "test loss", "earlier", "earlier"]
    assert [trace.showlegend is not False for trace in fig.data] == [True, True, True, True, False]
    assert list(fig.data[2].x) == [0, 300] and list(fig.data[2].y) == [2.3, 0.6]
    assert fig.data[3].line.dash == "dash"
    assert fig.layout.yaxis.range is None and not fig.layout.annotations  # nothing to clip


def test_a_diverged_loss_is_clipped_and_says_how_high_it_went():
    exploded = dataclasses.replace(HISTORY, train_points=HISTORY.train_points + ((400, 3.2e16),))
    fig = loss_figure([Curve("now", exploded)])
    assert tuple(fig.layout.yaxis.range) == (0, pytest.approx(1.5 * 2.3))  # the untrained model's loss, and room
    assert "3.2e+16" in fig.layout.annotations[0].text


PROBED = dataclasses.replace(HISTORY, probes=((150, 0.6),))


def test_accuracy_on_the_examples_axis_includes_the_probes_inside_epochs():
    fig = accuracy_figure([Curve("now", PROBED)])
    test, train = fig.data
    assert list(test.x) == [0, 150, 300] and list(test.customdata) == [0.1, 0.6, 0.8]
    assert list(test.marker.size) == [9, 4, 9]  # the whole test set's points stand out
    assert list(train.customdata) == [0.7] and (test.name, train.name) == ("test accuracy", "train accuracy")


def test_accuracy_is_a_log_scale_of_the_errors_read_as_accuracy():
    fig = accuracy_figure([Curve("now", HISTORY)])
    assert list(fig.data[0].y) == pytest.approx([0.9, 0.2])  # 1 - accuracy
    axis = fig.layout.yaxis
    assert axis.type == "log" and axis.autorange == "reversed"  # fewer errors higher up
    assert dict(zip(axis.tickvals, axis.ticktext))[0.01] == "99%"
    perfect = dataclasses.replace(HISTORY, epochs=(dataclasses.replace(HISTORY.epochs[1], test_accuracy=1.0),))
    assert accuracy_figure([Curve("now", perfect)]).data[0].y[0] == pytest.approx(0.001)  # drawn as 99.9%


@pytest.mark.parametrize("x, expected", [("epoch", [0, 1]), ("examples_seen", [0, 300]),
                                         ("train_seconds", [0.0, 1.5])])
def test_accuracy_figure_starts_with_the_untrained_model(x, expected):
    fig = accuracy_figure([Curve("now", HISTORY)], x=x)
    test, train = fig.data
    assert list(test.x) == expected and list(test.customdata) == [0.1, 0.8]
    assert list(train.customdata) == [0.7]  # no train accuracy before training


def test_several_runs_are_named_by_their_labels():
    fig = accuracy_figure([Curve("MLP", HISTORY), Curve("CNN", HISTORY)], train=False, title="Test accuracy")
    assert [t.name for t in fig.data] == ["MLP", "CNN"] and fig.layout.title.text == "Test accuracy"


def test_epoch_axis_ticks_whole_epochs_on_short_runs():
    assert accuracy_figure([Curve("now", HISTORY)], x="epoch").layout.xaxis.dtick == 1
    long_run = History(epochs=tuple(dataclasses.replace(HISTORY.epochs[1], epoch=n) for n in range(40)))
    assert accuracy_figure([Curve("now", long_run)], x="epoch").layout.xaxis.dtick is None  # plotly picks 5, 10
    assert accuracy_figure([Curve("now", HISTORY)], x="train_seconds").layout.xaxis.dtick is None


def test_bars_start_at_zero():
    from core.viz.curves import accuracy_bars, per_class_error_bars
    assert tuple(accuracy_bars(["a", "b"], [0.93, 0.98]).layout.xaxis.range) == (0, pytest.approx(1, abs=0.06))
    fig = per_class_error_bars(["a"], [[0.99, 0.9] + [1.0] * 8])
    assert list(fig.data[0].y)[:3] == pytest.approx([0.01, 0.1, 0.0]) and fig.layout.yaxis.rangemode == "tozero"


def test_every_confusion_cell_has_a_clickable_point_with_its_count():
    from core.viz.curves import confusion_heatmap
    confusion = [[r * 10 + c for c in range(10)] for r in range(10)]
    heatmap, cells = confusion_heatmap(confusion, "Confusion").data
    assert len(cells.x) == 100 and heatmap.hoverinfo == "skip"
    at = {(x, y): n for x, y, n in zip(cells.x, cells.y, cells.customdata)}
    assert at[(2, 7)] == 72  # predicted 2, true 7


def test_probability_bars_cover_the_ten_digits():
    from core.viz.curves import probability_bars
    [bars] = probability_bars([0.1] * 10).data
    assert list(bars.x) == list(range(10)) and list(bars.y) == [0.1] * 10


def test_legends_and_bar_labels_show_visitor_text_as_typed_and_never_as_html():
    from core.viz.curves import accuracy_bars, plotly_text
    assert plotly_text('<b>x</b> & "y"') == '&lt;b&gt;x&lt;/b&gt; &amp; "y"'
    assert Curve('<i>ada</i> "A"', History()).legend == '&lt;i&gt;ada&lt;/i&gt; "A"'
    bars = accuracy_bars(['<b>bob</b> "B"'], [0.9])
    assert list(bars.data[0].y) == ['&lt;b&gt;bob&lt;/b&gt; "B"']


def test_a_run_stopped_between_epochs_ends_its_charts_where_it_stopped_with_its_final_accuracy(tiny_mnist):
    from helpers import tiny_config, wait_until

    from core.jobs.job import TrainingJob
    from core.viz.curves import run_curve, run_x_end
    job = TrainingJob(tiny_config(epochs=50, batch_size=8), tiny_mnist).start()
    assert run_x_end(job.snapshot()) in (None, 50 * 640)  # while it trains: the whole run, once it has started
    wait_until(lambda: job.snapshot().history.train_points, what="a first loss point")
    job.stop()
    snap = job.wait(timeout=30)
    assert snap.status == "stopped" and run_x_end(snap) == snap.examples_seen < snap.total_examples
    points = run_curve(snap).history.test_accuracy_points()
    assert points[-1] == (snap.examples_seen, snap.test_accuracy)  # the chart's last point is the figure shown
    figure = accuracy_figure([run_curve(snap)], x_end=run_x_end(snap))
    assert figure.layout.xaxis.range[1] == pytest.approx(1.02 * snap.examples_seen)


def test_a_finished_run_gains_no_extra_point():
    from core.viz.curves import run_curve
    finished = type("Snap", (), {"history": HISTORY, "done": True, "test_accuracy": 0.8, "examples_seen": 300,
                                 "train_seconds": 1.5})()
    assert run_curve(finished).history == HISTORY


def test_a_named_figure_gives_every_curve_its_label_even_a_lone_finished_run():
    finished, training = Curve("1. bo · 92.6% · MLP", HISTORY), Curve("ada (training)", HISTORY, dashed=True)
    names = [trace.name for trace in accuracy_figure([finished, training], train=False, named=True).data]
    assert names == ["1. bo · 92.6% · MLP", "ada (training)"]
    assert accuracy_figure([finished, training], train=False).data[0].name == "test accuracy"  # the Train page's


def test_the_lesson_bars_count_learners_done_per_lesson_first_lesson_on_top():
    from core.viz.curves import lesson_bars
    figure = lesson_bars(["1. The <data>", "2. Logistic"], [3, 1], 4)
    [bars] = figure.data
    assert list(bars.y) == ["1. The &lt;data&gt;", "2. Logistic"] and list(bars.x) == [3, 1]
    assert list(bars.text) == ["3 of 4", "1 of 4"] and figure.layout.xaxis.range == (0, 4)
    locked = lesson_bars(["1. The data", "2. Logistic"], [3, 0], 4, is_open=[True, False]).data[0]
    assert list(locked.y) == ["1. The data", "2. Logistic (locked)"] and locked.marker.color[1] == "#8c8c8c"
