import numpy as np

from core.viz.curves import accuracy_bars, confusion_heatmap, probability_bars
from core.viz.summary import figure_in_words


def test_bars_say_each_value_in_the_axis_format():
    lines = figure_in_words(accuracy_bars(["Logistic", "MLP", "CNN"], [0.92, 0.98, 0.991], [0.5, 0.6, 0.7]))
    assert "MNIST test digits: Logistic 92.0%, MLP 98.0%, CNN 99.1%." in lines
    assert "bent test digits: Logistic 50.0%, MLP 60.0%, CNN 70.0%." in lines


def test_an_untitled_chart_is_named_by_what_it_shows():
    lines = figure_in_words(probability_bars([0.01] * 9 + [0.91]), "The probability of each digit")
    assert lines[0] == "The probability of each digit." and lines[1].endswith("9 91.0%.")


def test_a_confusion_matrix_is_told_by_its_largest_mistakes():
    confusion = np.eye(10, dtype=int) * 90
    confusion[4, 9], confusion[7, 1] = 12, 5
    lines = figure_in_words(confusion_heatmap(confusion.tolist(), "Confusion: CNN"))
    assert lines[0].startswith("Confusion: CNN")
    assert lines[1].startswith("largest cells off the diagonal: true digit 4, predicted digit 9: 12; "
                               "true digit 7, predicted digit 1: 5")


def test_an_empty_chart_says_so():
    from core.viz.curves import accuracy_figure
    assert figure_in_words(accuracy_figure([], train=False, title="Test accuracy"))[0].endswith("nothing is drawn yet.")
