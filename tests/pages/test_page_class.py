import json
import re

import pytest
from helpers import (
    LEARNER,
    button,
    labelled,
    open_page,
    server_queue,
    tiny_config,
)

from core.classroom.classes import Classes
from core.classroom.teacher import CANCELLED_BY_TEACHER
from core.jobs.run_keeper import stored_job
from core.store.learners import Learners
from core.training.status import Status

KEY = "workshop-key-42"
PUPIL = "c" * 32


@pytest.fixture
def with_key(app_env, monkeypatch):
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)


def texts(at) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error", "success")
                    for e in getattr(at, kind))


def test_without_a_key_on_the_server_there_is_no_teacher_page_and_no_class_box(app_env, store):
    code = Classes(store).start_class("secret workshop")
    at = open_page("pages/class.py")  # not in the navigation: the app opens its home page instead
    assert not at.exception
    assert [title.value for title in at.title] == ["✍️ Digits dashboard"]
    assert code not in texts(at) and "secret workshop" not in texts(at)
    assert not [box for box in at.text_input if box.label == "Teacher key"]
    home = open_page("pages/home.py")
    assert not [box for box in home.sidebar.text_input if box.label == "Class code"]


def test_the_page_asks_for_the_key_and_shows_nothing_of_a_class_before_it(with_key, store):
    classes = Classes(store)
    code = classes.start_class("Tuesday")
    classes.join(PUPIL, code)
    at = open_page("pages/class.py")
    assert code not in texts(at) and not at.dataframe
    labelled(at.text_input, "Teacher key").input("not-the-key")
    at = at.button[0].click().run()
    assert "That is not this server's teacher key." in texts(at) and code not in texts(at)
    labelled(at.text_input, "Teacher key").input(KEY)
    at = at.button[0].click().run()
    assert not at.exception and code in texts(at)
    assert classes.is_teacher(LEARNER, KEY)
    again = open_page("pages/class.py")  # a reload: the browser is remembered, the key is not asked again
    assert code in texts(again) and not [box for box in again.text_input if box.label == "Teacher key"]


def test_a_teacher_starts_a_class_sees_a_learner_join_and_cancels_their_queued_training(with_key, store,
                                                                                       tiny_mnist):
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    at = open_page("pages/class.py")
    assert "Start a class" in texts(at)
    labelled(at.text_input, "Its name (shown to learners)").input("Tuesday")
    at = button(at, "Start it").click().run()
    [info] = classes.all_classes()
    assert f"Class code: `{info.code}`" in texts(at)

    pupil = open_page("pages/home.py", learner=PUPIL)
    labelled(pupil.sidebar.text_input, "Class code").input(info.code.lower()).run()
    assert classes.class_of(PUPIL) == info.code and f"In class **{info.code}**" in texts(pupil.sidebar)
    Learners(store).set_nickname(PUPIL, "ada")

    queue = server_queue()
    queue.pause(info.code)
    job = queue.submit(stored_job(tiny_config(epochs=1), tiny_mnist, store, "ada", learner=PUPIL,
                                  class_code=info.code))
    at = open_page("pages/class.py")
    table = at.dataframe[0].value
    assert list(table["learner"]) == ["ada"] and list(table["now"]) == ["queued"]
    assert "ada" in texts(at) and labelled(at.toggle, "Hold the class's trainings").value
    assert "will have ended in" not in texts(at)   # on hold: it ends when the teacher lets it go on
    at = button(at, "Cancel").click().run()
    assert job.wait(5).status == Status.CANCELLED and job.snapshot().message == CANCELLED_BY_TEACHER
    assert list(open_page("pages/class.py").dataframe[0].value["now"]) == ["cancelled"]
    train = open_page("pages/train.py", learner=PUPIL)
    assert any(CANCELLED_BY_TEACHER in box.value for box in train.info)


def test_a_locked_class_setup_fixes_every_learners_train_form(with_key, store):
    classes = Classes(store)
    code = classes.start_class()
    classes.join(PUPIL, code)
    classes.set_setup(code, tiny_config(arch="mlp", epochs=1), "lock")
    train = open_page("pages/train.py", learner=PUPIL)
    assert not train.exception
    assert any(box.value.startswith("Your teacher set: MLP, 1 epoch") for box in train.info)
    assert not [radio for radio in train.radio if radio.label == "Architecture"]


def test_projector_mode_shows_the_counts_the_top_curves_and_the_best_models_mistakes(with_key, store,
                                                                                     tiny_mnist):
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    code = classes.start_class("Tuesday")
    for learner, name, lr in ((PUPIL, 'ada "the great"', 0.01), ("d" * 32, "<b>bob</b>", 0.001)):
        classes.join(learner, code)
        Learners(store).set_nickname(learner, name)
        stored_job(tiny_config(epochs=1, lr=lr), tiny_mnist, store, name, learner=learner,
                   class_code=code).start().wait(30)
    at = open_page("pages/class.py", {"code": code, "view": "projector"})
    assert not at.exception
    assert "## 2 learners · 0 running · 0 queued · 2 finished · 0 idle" in [m.value for m in at.markdown]
    curves, confusion = at.get("plotly_chart")
    names = [trace["name"] for trace in json.loads(curves.proto.spec)["data"]]
    assert names[0].startswith("1. ") and any("&lt;b&gt;bob&lt;/b&gt;" in name for name in names)  # no HTML
    assert any('ada "the great"' in name for name in names)  # quotes as typed: Plotly shows &quot; literally
    assert any(m.value.startswith("### Where the best model errs") for m in at.markdown)
    assert json.loads(confusion.proto.spec)["data"][0]["type"] == "heatmap"
    join = next(m.value for m in at.markdown if m.value.startswith("### Join"))
    assert join.endswith(f"/?join={code}`")

    classes.set_wall_name(code, "d" * 32, "")          # the teacher hides a nickname from the wall
    classes.set_wall_name(code, PUPIL, "Team blue")   # and renames another
    at = open_page("pages/class.py", {"code": code, "view": "projector"})
    names = [trace["name"] for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert sorted(name.split(" · ")[0][3:] for name in names) == ["Learner 2", "Team blue"]
    assert not any("bob" in m.value or "great" in m.value for m in at.markdown)


def test_the_controls_lock_a_setup_race_it_cap_a_learner_and_archive_the_round(with_key, store):
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    code = classes.start_class("Tuesday")
    classes.join(PUPIL, code)
    at = open_page("pages/class.py", {"code": code})
    labelled(at.radio, "Architecture").set_value("mlp")
    labelled(at.radio, "For everyone").set_value("lock")
    at = button(at, "Save the setup").click().run()
    assert classes.info(code).setup_mode == "lock" and classes.info(code).setup.arch == "mlp"

    queue = server_queue()
    queue.pause(code)  # the race's jobs stay queued, so the test sees them
    at = button(at, "Start a race").click().run()
    assert any("The race is on" in s.value and "1 learner" in s.value for s in at.success)
    [raced] = [job for job in queue.jobs() if job.class_code == code]
    assert raced.learner == PUPIL and raced.config.arch == "mlp" and queue.latest_job(PUPIL) is raced
    queue.cancel(raced)

    labelled(at.number_input, "Trainings allowed this round").set_value(0)
    at = button(at, "Set the cap").click().run()
    assert classes.cap_of(PUPIL) == 0

    at = labelled(at.checkbox, "Yes, start a fresh leaderboard").check().run()
    at = button(at, "Archive round 1").click().run()
    assert classes.info(code).round == 2 and classes.runs_this_round(code) == []
    assert [run.learner for run in store.list_runs(class_code=code)] == [PUPIL]  # the raced run is kept


def test_the_setup_controls_show_the_saved_setup_after_a_reload_and_a_new_class_starts_from_default(with_key,
                                                                                                    store):
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    code = classes.start_class("Tuesday")
    at = open_page("pages/class.py", {"code": code})
    assert labelled(at.selectbox, "Preset").value == "default"
    labelled(at.radio, "Architecture").set_value("logistic").run()
    labelled(at.selectbox, "Preset").set_value("fast")
    labelled(at.radio, "For everyone").set_value("lock")
    button(at, "Save the setup").click().run()
    assert classes.info(code).setup_mode == "lock"
    reloaded = open_page("pages/class.py", {"code": code})  # a new session: what the store holds, nothing else
    assert labelled(reloaded.radio, "Architecture").value == "logistic"
    assert labelled(reloaded.selectbox, "Preset").value == "fast"
    assert labelled(reloaded.radio, "For everyone").value == "lock"


def test_a_capped_learner_beside_an_uncapped_one_shows_in_one_table_without_an_error(with_key, store, capfd):
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    code = classes.start_class("Tuesday")
    for learner in (PUPIL, "e" * 32):
        classes.join(learner, code)
    classes.set_cap(code, PUPIL, 2)
    at = open_page("pages/class.py", {"code": code})
    assert not at.exception and "to Arrow table was unsuccessful" not in capfd.readouterr().err  # Streamlit's log
    [table] = [frame.value for frame in at.dataframe if "cap" in frame.value.columns]
    assert sorted(table["cap"]) == ["2", "none"]


def test_the_class_queue_says_when_all_of_it_will_have_ended(with_key, store, tiny_mnist):
    from helpers import GatedJob
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    code = classes.start_class("Wednesday")
    classes.join(PUPIL, code)
    queue = server_queue()
    ahead = queue.submit(GatedJob("someone else's", tiny_config(epochs=1), tiny_mnist, learner="someone"))
    assert ahead.entered.wait(10)
    job = queue.submit(stored_job(tiny_config(epochs=1), tiny_mnist, store, learner=PUPIL, class_code=code))
    at = open_page("pages/class.py")
    assert not at.exception
    assert re.search(r"All the class's trainings will have ended in \*\*about \d+ s\*\*", texts(at)), texts(at)
    ahead.gate.set()
    assert job.wait(60).status == Status.FINISHED
