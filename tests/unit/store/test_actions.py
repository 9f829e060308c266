import pytest

from core.store.actions import ACTIONS, LearnerActions
from core.store.runs import RunStore

pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL


def test_an_action_is_recorded_once_per_learner_and_detail_and_read_back_by_a_new_process(store, store_root):
    actions = LearnerActions(store)
    assert actions.record("learner-1", "inside.looks", "logistic") is True
    assert actions.record("learner-1", "inside.looks", "logistic") is False  # again: nothing changes
    assert actions.record("learner-1", "inside.looks", "cnn") is True
    assert actions.record("learner-2", "home.sample") is True
    assert LearnerActions(RunStore(store_root)).of("learner-1") == {("inside.looks", "logistic"),
                                                                      ("inside.looks", "cnn")}
    assert actions.of("learner-2") == {("home.sample", "")} and actions.of("nobody") == frozenset()


def test_an_unknown_action_is_refused_and_an_anonymous_visitor_is_not_recorded(store):
    actions = LearnerActions(store)
    with pytest.raises(ValueError, match="unknown action"):
        actions.record("learner-1", "inside.nowhere")
    assert actions.record("", "home.sample") is False and actions.of("") == frozenset()
    assert all(text and not text.endswith(".") for text in ACTIONS.values())
