from pathlib import Path

import pytest

from core.config.settings import LESSONS_DIR_DEFAULT
from core.lessons.content import PICTURES, LessonError, load_lessons, parse_lesson
from core.lessons.tasks import TASK_KINDS

GOOD = '''+++
title = "Logistic regression"
summary = "one layer"
picture = "average_digits"
terms = ["epoch"]
question = "Why?"
answer = "Because."

[[task]]
kind = "train"
arch = "logistic"
min_accuracy = 0.9
text = "Train it to 90%."
link = "/train?arch=logistic&preset=tutorial"
+++
The **card**.
'''
GLOSSARY = {"epoch": "One pass."}


def lesson_error(text: str) -> LessonError:
    with pytest.raises(LessonError) as caught:
        parse_lesson("x", text, GLOSSARY)
    return caught.value


def test_a_lesson_file_reads_as_its_card_picture_question_and_tasks_with_their_links():
    lesson = parse_lesson("02-logistic", GOOD, GLOSSARY)
    assert (lesson.lesson_id, lesson.title, lesson.summary, lesson.card) == (
        "02-logistic", "Logistic regression", "one layer", "The **card**.")
    assert (lesson.picture, lesson.terms, lesson.question, lesson.answer) == ("average_digits", ("epoch",), "Why?",
                                                                              "Because.")
    [task] = lesson.tasks
    assert (task.number, task.kind, task.text) == (1, "train", "Train it to 90%.")
    assert task.params == {"arch": "logistic", "min_accuracy": 0.9}
    assert task.page == "train" and task.query == {"arch": "logistic", "preset": "tutorial"}


@pytest.mark.parametrize("change, line, words", [
    (("+++\n", ""), 1, "starts with a line of +++"),
    (('title = "Logistic regression"', 'title = "Logistic regression'), 2, "not valid TOML (illegal character"),
    (('kind = "train"', 'kind = "guess"'), 9, "task kind 'guess' is not one of train, action"),
    (("min_accuracy = 0.9", "min_accuracy = 91"), 9, "min_accuracy of a train task must be a number from 0 to 1"),
    (("min_accuracy = 0.9", "min_acuracy = 0.9"), 9, "a train task has no setting 'min_acuracy'"),
    (('arch = "logistic"', 'arch = "transformer"'), 9, "arch of a train task must be one of logistic, mlp, cnn"),
    (("/train?arch", "https://example.org/train?arch"), 9, "a task's link is a page of the app"),
    (('picture = "average_digits"', 'picture = "cat"'), 4, "`picture` must be one of"),
    (('terms = ["epoch"]', 'terms = ["tensor"]'), 5, "the word 'tensor' is not explained in glossary.md"),
    (('question = "Why?"', 'colour = "red"'), 6, "a lesson has no setting 'colour'"),
    (('answer = "Because."', 'answer = ""'), 7, "`answer` must be some text"),
    (("+++\nThe", "The"), 15, "no closing line of +++"),
])
def test_a_mistake_in_a_lesson_file_is_one_sentence_with_its_line(change, line, words):
    error = lesson_error(GOOD.replace(*change, 1) if change[0] != "+++\n" else GOOD[4:])
    assert words in error.reason and error.line == line


def test_an_as_linked_task_keeps_the_settings_its_train_link_fills_in():
    [task] = parse_lesson("x", GOOD.replace('min_accuracy = 0.9', 'min_accuracy = 0.9\nas_linked = true'),
                          GLOSSARY).tasks
    settings = task.params["settings"]
    assert "as_linked" not in task.params and (settings["optimizer"], settings["lr"], settings["epochs"]) == (
        "sgd", 0.001, 5)  # the tutorial preset's
    assert "seed" not in settings and "device" not in settings
    home = GOOD.replace('min_accuracy = 0.9', 'min_accuracy = 0.9\nas_linked = true').replace(
        'link = "/train?arch=logistic&preset=tutorial"', 'link = "/home"')
    assert "`as_linked` checks the settings of a link to /train" in lesson_error(home).reason
    wrong = GOOD.replace('min_accuracy = 0.9', 'min_accuracy = 0.9\nas_linked = true').replace(
        "preset=tutorial", "preset=tutorial&lr=99")
    assert "the link's settings are not valid: lr" in lesson_error(wrong).reason


def test_a_lesson_without_tasks_is_refused():
    text = GOOD[:GOOD.index("[[task]]")] + "+++\ncard\n"
    assert "at least one [[task]]" in lesson_error(text).reason


def test_a_malformed_file_and_an_unknown_task_kind_each_give_one_sentence_and_the_others_load(tmp_path: Path):
    (tmp_path / "glossary.md").write_text("# Words\n\n## epoch\nOne pass.\n\n## Batch\nDigits per step.\n")
    (tmp_path / "01-good.md").write_text(GOOD)
    (tmp_path / "02-broken.md").write_text(GOOD.replace('title = "Logistic regression"', "title = "))
    (tmp_path / "03-unknown.md").write_text(GOOD.replace('kind = "train"', 'kind = "dance"'))
    (tmp_path / "04-good.md").write_text(GOOD.replace("Logistic regression", "Again"))
    catalogue = load_lessons(tmp_path)
    assert [lesson.lesson_id for lesson in catalogue.lessons] == ["01-good", "04-good"]
    assert catalogue.number("04-good") == 2 and catalogue.lesson("02-broken") is None
    assert catalogue.glossary == {"epoch": "One pass.", "batch": "Digits per step."}
    first, second = catalogue.problems
    assert first.startswith("The lesson file 02-broken.md could not be read: line 2: ") and "\n" not in first
    assert second == ("The lesson file 03-unknown.md could not be read: line 9: the task kind 'dance' is not one "
                      f"of {', '.join(TASK_KINDS)}.")


def test_a_missing_folder_is_one_sentence(tmp_path: Path):
    catalogue = load_lessons(tmp_path / "nowhere")
    assert catalogue.lessons == () and catalogue.problems == (f"There is no lessons folder at {tmp_path / 'nowhere'}.",)


def test_the_built_in_path_loads_whole_from_the_data_to_the_comparison():
    catalogue = load_lessons(LESSONS_DIR_DEFAULT)
    assert catalogue.problems == ()
    ids = [lesson.lesson_id for lesson in catalogue.lessons]
    assert len(ids) >= 6 and ids[:6] == ["01-the-data", "02-logistic-regression", "03-learning-rate", "04-the-mlp",
                                         "05-the-cnn", "06-compare"]
    assert all(lesson.tasks and lesson.question and lesson.answer and lesson.card for lesson in catalogue.lessons)
    assert {lesson.picture for lesson in catalogue.lessons} <= set(PICTURES) and all(
        lesson.picture for lesson in catalogue.lessons)
    words = {"epoch", "batch", "learning rate", "loss", "overfitting", "dropout", "convolution", "pooling",
             "batch norm"}
    assert words <= set(catalogue.glossary) and words <= {t for lesson in catalogue.lessons for t in lesson.terms}
    links = [task for lesson in catalogue.lessons for task in lesson.tasks]
    assert all(task.page for task in links)  # every task opens the page that does it
