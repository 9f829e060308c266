import dataclasses

import pytest

from core.history import History
from core.plots import Curve, accuracy_figure, loss_figure, smooth

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


def test_loss_figure_has_raw_smoothed_and_test_points():
    fig = loss_figure([Curve("now", HISTORY), Curve("earlier", HISTORY, dashed=True)])
    names = [trace.name for trace in fig.data]
    assert names == ["now: train loss", "now: train loss (smoothed)", "now: test loss",
                     "earlier: train loss (smoothed)", "earlier: test loss"]
    assert list(fig.data[2].x) == [0, 300] and list(fig.data[2].y) == [2.3, 0.6]
    assert fig.data[3].line.dash == "dash"


@pytest.mark.parametrize("x, expected", [("epoch", [0, 1]), ("examples_seen", [0, 300]),
                                         ("train_seconds", [0.0, 1.5])])
def test_accuracy_figure_starts_with_the_untrained_model(x, expected):
    fig = accuracy_figure([Curve("now", HISTORY)], x=x)
    test, train = fig.data
    assert list(test.x) == expected and list(test.y) == [0.1, 0.8]
    assert list(train.y) == [0.7]  # no train accuracy before training


def test_epoch_axis_ticks_whole_epochs_on_short_runs():
    assert accuracy_figure([Curve("now", HISTORY)]).layout.xaxis.dtick == 1
    long_run = History(epochs=tuple(dataclasses.replace(HISTORY.epochs[1], epoch=n) for n in range(40)))
    assert accuracy_figure([Curve("now", long_run)]).layout.xaxis.dtick is None  # plotly picks 5, 10, ...
    assert accuracy_figure([Curve("now", HISTORY)], x="train_seconds").layout.xaxis.dtick is None


def test_probability_bars_cover_the_ten_digits():
    from core.plots import probability_bars
    [bars] = probability_bars([0.1] * 10).data
    assert list(bars.x) == list(range(10)) and list(bars.y) == [0.1] * 10
