import pytest

from core.classroom.pace import MESSAGE_MAX, NO_PACE, ClassPace
from core.config.fields import ConfigError
from core.store.runs import RunStore

pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL


def test_a_class_nobody_paced_has_every_lesson_open_and_no_message(store):
    assert ClassPace(store).of("ABCD") == NO_PACE and ClassPace(store).of("") == NO_PACE


def test_the_teacher_opens_lessons_and_posts_a_message_and_both_outlive_the_process(store, store_root):
    pace = ClassPace(store)
    pace.open_lessons("ABCD", ["01-the-data", "02-logistic-regression"])
    pace.post("ABCD", "  Stop here and\nlook at the projector ")
    again = ClassPace(RunStore(store_root)).of("ABCD")
    assert again.open_lessons == {"01-the-data", "02-logistic-regression"}
    assert again.message == "Stop here and look at the projector"  # one line
    assert ClassPace(store).of("WXYZ") == NO_PACE  # another class is not paced by it
    pace.post("ABCD", "")
    pace.open_lessons("ABCD", None)
    assert pace.of("ABCD").open_lessons is None and pace.of("ABCD").message == ""
    pace.open_lessons("ABCD", [])  # nothing open: the path is closed, not all open
    assert pace.of("ABCD").open_lessons == frozenset()


def test_a_message_longer_than_a_line_is_refused_in_one_sentence_and_the_old_one_stays(store):
    pace = ClassPace(store)
    pace.post("ABCD", "Look up")
    with pytest.raises(ConfigError, match=f"at most {MESSAGE_MAX} characters"):
        pace.post("ABCD", "x" * (MESSAGE_MAX + 1))
    assert pace.of("ABCD").message == "Look up"
