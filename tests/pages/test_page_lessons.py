"""The Lessons page under AppTest: the path, a tick the moment a task is done (on the page where
it was done, and on the Lessons page, across sessions), a teacher's pace, a broken lesson file,
a lesson's link followed within the session, and the words explained beside the settings."""
import json
from pathlib import Path

from helpers import LEARNER, button, labelled, open_page

from core.classroom.classes import Classes
from core.classroom.pace import ClassPace
from core.config.settings import LESSONS_DIR_DEFAULT, LESSONS_DIR_ENV
from core.lessons.content import load_lessons
from core.lessons.progress import LessonProgress

KEY = "workshop-key-42"


def tasks_text(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(("✅ **Done:**", "⬜ **To do:**"))]


def test_the_path_opens_at_the_first_lesson_with_its_tasks_to_do_and_every_lesson_listed(app_env):
    at = open_page("pages/lessons.py")
    assert not at.exception
    choice = labelled(at.selectbox, "Lesson")
    assert choice.value == "01-the-data" and len(choice.options) >= 6
    assert at.header[0].value == "1. The data: 70,000 small pictures"
    assert tasks_text(at) == ["⬜ **To do:** On Home, change **Sample** to see other training digits. Find one "
                              "you would read wrong."]
    assert [e.label for e in at.expander][:1] == ["What does “pixel” mean?"]
    choice.set_value("03-learning-rate").run()
    assert at.header[0].value.startswith("3. Learning rate") and len(tasks_text(at)) == 3
    assert at.query_params["lesson"] == "03-learning-rate"  # the address is the lesson's link


def test_a_task_done_on_home_is_ticked_there_at_once_and_stays_ticked_on_the_lessons_page(app_env, store):
    home = open_page("pages/home.py")
    home.number_input(key="home.sample").set_value(3).run()
    assert not home.exception
    assert [t.value for t in home.toast] == ["Lesson 1, task done: On Home, change **Sample** to see other "
                                             "training digits. Find one you would read wrong."]
    assert "01-the-data" in LessonProgress(store).ticks([LEARNER])[LEARNER]
    again = open_page("pages/lessons.py", query={"lesson": "01-the-data"})  # another session of the browser
    assert tasks_text(again)[0].startswith("✅ **Done:**")
    assert labelled(again.selectbox, "Lesson").value == "01-the-data"


def test_a_broken_lesson_file_is_one_sentence_and_the_other_lessons_work(app_env, monkeypatch, tmp_path: Path):
    for name in ("glossary.md", "01-the-data.md", "02-logistic-regression.md"):
        (tmp_path / name).write_text((Path(LESSONS_DIR_DEFAULT) / name).read_text())
    (tmp_path / "03-broken.md").write_text('+++\ntitle = Broken\n+++\ncard\n')
    (tmp_path / "04-unknown.md").write_text('+++\ntitle = "Unknown"\n[[task]]\nkind = "dance"\ntext = "x"\n+++\n')
    monkeypatch.setenv(LESSONS_DIR_ENV, str(tmp_path))
    at = open_page("pages/lessons.py")
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "The lesson file 03-broken.md could not be read: line 2: its settings are not valid TOML (invalid "
        "value): check the quotes and the = signs.",
        "The lesson file 04-unknown.md could not be read: line 3: the task kind 'dance' is not one of train, "
        "action, misread_test_digit, misread_drawing."]
    assert labelled(at.selectbox, "Lesson").options == ["1. The data: 70,000 small pictures · 0/1",
                                                       "2. Logistic regression: one layer, about 90% · 0/2"]


def test_the_teachers_pace_closes_lessons_and_puts_a_message_on_every_page_of_the_class(app_env, monkeypatch, store):
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)
    classes = Classes(store)
    code = classes.start_class("Tuesday")
    classes.join(LEARNER, code)
    ClassPace(store).open_lessons(code, ["01-the-data", "02-logistic-regression"])
    ClassPace(store).post(code, "Stop here and look at the **projector**")
    at = open_page("pages/lessons.py", query={"lesson": "03-learning-rate"})
    assert not at.exception
    assert at.info[0].value == "**Your teacher:** Stop here and look at the \\*\\*projector\\*\\*"  # as typed
    assert "has not opened this lesson yet" in at.info[1].value and not tasks_text(at)
    assert labelled(at.selectbox, "Lesson").options[2].endswith("· 🔒")
    train = open_page("pages/train.py")
    assert train.info[0].value.startswith("**Your teacher:** Stop here")


def test_a_learner_done_with_the_open_lessons_is_told_so_and_offered_no_locked_next_step(
        app_env, monkeypatch, store):
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)
    classes = Classes(store)
    code = classes.start_class("Tuesday")
    classes.join(LEARNER, code)
    ClassPace(store).open_lessons(code, ["01-the-data"])
    LessonProgress(store).actions.record(LEARNER, "home.sample")
    at = open_page("pages/lessons.py")
    assert not at.exception
    assert labelled(at.selectbox, "Lesson").value == "01-the-data"  # the last open one, not a locked one
    assert at.success[0].value.startswith("You have done every task of the lessons open to you. Your teacher")
    assert not [link for link in at.get("page_link") if "Lesson 2" in link.proto.label]
    sidebar = [p.proto.text for p in at.sidebar.get("progress")]
    assert sidebar == ["Your teacher opens the next one."]


def test_the_teacher_opens_lessons_and_posts_from_the_class_page_and_sees_each_learners_progress(
        app_env, monkeypatch, store):
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)
    classes = Classes(store)
    code = classes.start_class("Tuesday")
    pupil = "c" * 32
    classes.join(pupil, code)
    classes.sign_in(LEARNER, KEY, KEY)
    LessonProgress(store).actions.record(pupil, "home.sample")
    LessonProgress(store).update(pupil, [])  # nothing asked: nothing ticked
    at = open_page("pages/class.py", query={"code": code})
    assert not at.exception
    picker = labelled(at.selectbox, "Lessons open to the class")
    count = len(load_lessons(LESSONS_DIR_DEFAULT).lessons)
    assert picker.value == count and picker.format_func(count) == f"All {count} lessons"
    picker.set_value(1).run()
    assert ClassPace(store).of(code).open_lessons == {"01-the-data"}
    labelled(at.text_input, "Message on every learner's page").input("Look up").run()
    button(at, "Show it").click().run()
    assert ClassPace(store).of(code).message == "Look up"
    pupil_page = open_page("pages/home.py", learner=pupil)  # the pupil's page ticks what they did
    assert pupil_page.info[0].value == "**Your teacher:** Look up"
    at.run()
    table = at.dataframe[-1].value
    assert list(table["at lesson"]) == ["done"] and list(table["1"]) == ["1/1"]
    button(at, "Take it down").click().run()
    assert ClassPace(store).of(code).message == ""


def test_a_lessons_link_followed_within_the_session_fills_the_train_form(app_env):
    at = open_page("pages/train.py")
    assert at.segmented_control(key="train.arch").value == "logistic"
    at.query_params.clear()
    at.query_params.update({"arch": "mlp", "preset": "tutorial"})  # what a lesson's page link opens
    at.run()
    assert at.segmented_control(key="train.arch").value == "mlp"
    assert at.number_input(key="train.batch_size").value == 64  # the tutorial's, not the default's 256
    at.number_input(key="train.epochs").set_value(2).run()  # the learner's own change is not undone
    assert at.number_input(key="train.epochs").value == 2


def test_the_words_of_the_settings_and_charts_are_explained_beside_them(app_env):
    at = open_page("pages/train.py", query={"arch": "cnn"})
    assert not at.exception
    explained = " ".join(m.value for m in at.markdown if m.value.startswith("**"))
    for word in ("Epoch", "Batch", "Learning rate", "Loss", "Overfitting", "Convolution", "Pooling", "Batch norm",
                 "Dropout"):
        assert f"**{word}.**" in explained, word


def test_the_projector_shows_how_many_learners_finished_each_lesson(app_env, monkeypatch, store):
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)
    classes = Classes(store)
    classes.sign_in(LEARNER, KEY, KEY)
    code = classes.start_class("Tuesday")
    for pupil in ("c" * 32, "d" * 32):
        classes.join(pupil, code)
    LessonProgress(store).actions.record("c" * 32, "home.sample")
    LessonProgress(store).update("c" * 32, load_lessons(LESSONS_DIR_DEFAULT).lessons)
    at = open_page("pages/class.py", {"code": code, "view": "projector"})
    labelled(at.toggle, "Show the lessons' progress").set_value(True).run()
    assert not at.exception
    [chart] = at.get("plotly_chart")
    bars = json.loads(chart.proto.spec)["data"][0]
    assert bars["y"][0] == "1. The data: 70,000 small pictures" and bars["x"][:2] == [1, 0]
    assert bars["text"][0] == "1 of 2"
