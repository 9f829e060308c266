import numpy as np
import pytest

from core.models.architectures import build_model
from core.models.evaluation import evaluate
from core.store.drawings import MyDrawings, as_split
from core.store.runs import RunStore

pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL


def digit(value: int) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[4:24, 10 + value:14 + value] = 255
    return image


def test_drawings_are_saved_with_label_and_nickname_and_read_back(store_root, store):
    drawings = MyDrawings(store)
    first = drawings.add(digit(1), 1, nickname="ada", learner="learner-1")
    second = drawings.add(digit(7), 7, learner="learner-2")
    again = MyDrawings(RunStore(store_root)).list()  # a new process sees them too
    assert [d.drawing_id for d in again] == [first, second]
    assert [d.label for d in again] == [1, 7] and [d.nickname for d in again] == ["ada", ""]
    assert (again[0].image == digit(1)).all() and again[0].image.dtype == np.uint8
    assert [d.label for d in drawings.list(learner="learner-1")] == [1]
    assert [d.label for d in drawings.list(learner="learner-2")] == [7]
    assert drawings.list(learner="nobody") == []


@pytest.mark.parametrize("image, label", [(np.zeros((28, 28), np.uint8), 10), (np.zeros((28, 28), np.uint8), -1),
                                          (np.zeros((20, 20), np.uint8), 3), (np.zeros((28, 28)), 3)])
def test_bad_drawings_are_refused(store, image, label):
    drawings = MyDrawings(store)
    with pytest.raises(ValueError):
        drawings.add(image, label)
    assert drawings.list() == []


def test_drawings_make_a_test_split_that_models_can_be_evaluated_on(store):
    drawings = MyDrawings(store)
    for label in (0, 3, 3):
        drawings.add(digit(label), label)
    split = as_split(drawings.list())
    assert len(split) == 3 and split.images.shape == (3, 28, 28) and split.labels.tolist() == [0, 3, 3]
    evaluation = evaluate(build_model("logistic"), split)
    assert evaluation.predictions.shape == (3,) and 0 <= evaluation.accuracy <= 1
    assert len(as_split([])) == 0
