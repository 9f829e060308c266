import pytest
from helpers import LEARNER, labelled, open_page, server_queue
from streamlit.testing.v1 import AppTest

from core.jobs.run_keeper import stored_job
from core.store.drawings import MyDrawings
from core.training.config import preset


def open_draw() -> AppTest:
    return open_page("pages/draw.py")


@pytest.fixture
def logistic_run(store, tiny_mnist) -> str:
    job = stored_job(preset("logistic", epochs=1), tiny_mnist, store, learner=LEARNER)
    return job.start().wait(timeout=60).run_id


def test_without_models_the_page_offers_to_train_here(app_env):
    at = open_draw()
    assert not at.exception
    assert any("No trained model yet" in m.value for m in at.markdown)
    assert any("nothing is drawn yet" in info.value for info in at.info)
    assert {"Train logistic regression (about 10 s)", "Train all three (a few minutes)"} <= {b.label for b in at.button}


def canvas_place(at) -> int:
    """Where the canvas's block sits among the page's top-level elements."""
    return next(i for i, child in enumerate(at.main.children.values())
                if any(b.label == "Undo stroke" for b in getattr(child, "button", [])))


def test_training_in_place_makes_a_model_that_then_answers(app_env, drawn_canvas, store_root):
    at = open_draw()
    assert not at.metric
    before = canvas_place(at)
    next(b for b in at.button if b.label.startswith("Train logistic")).click().run()
    assert not at.exception
    sequence = server_queue().latest_sequence(LEARNER)
    assert [s.config.arch for s in sequence.snapshots()] == ["logistic"]
    assert at.get("progress"), "progress is shown while it trains"
    assert any(b.label == "Stop" for b in at.button)       # Draw can stop what it started
    assert sequence.wait(timeout=120)[0].status == "finished"
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Logistic regression"]
    assert not any(b.label.startswith("Train logistic") for b in at.button)  # the offer is gone
    assert canvas_place(at) == before  # the canvas kept its place, so the browser keeps its drawing
    assert any(m.value.startswith("#### Logistic regression reads **") for m in at.markdown)  # beside the canvas


def test_an_empty_canvas_gives_no_prediction(app_env, logistic_run):
    at = open_draw()
    assert not at.exception
    assert not at.metric
    assert "nothing is drawn yet" in at.info[0].value


def test_a_drawing_gets_an_answer_steps_and_saliency(app_env, drawn_canvas, logistic_run):
    at = open_draw()
    assert not at.exception
    metric = at.metric[0]
    assert metric.label == "Logistic regression" and metric.value in list("0123456789")
    assert "sure" in metric.delta
    assert len(at.get("plotly_chart")) == 1
    images_before = len(at.image)
    labelled(at.toggle, "Show each preprocessing step").set_value(True).run()   # each preprocessing step
    assert not at.exception
    assert len(at.image) == images_before + 4
    assert any("From your drawing" in h.value for h in at.subheader)
    labelled(at.toggle, "Show which pixels mattered").set_value(True).run()   # which pixels mattered
    assert not at.exception
    assert len(at.image) == images_before + 5


def test_a_labelled_drawing_is_saved_to_my_drawings_and_the_canvas_cleared(app_env, drawn_canvas,
                                                                        logistic_run, store):
    at = open_draw()
    save = next(b for b in at.button if b.label == "Save drawing")
    assert save.disabled  # no true digit chosen yet
    labelled(at.segmented_control, "It is a").set_value(1).run()
    next(b for b in at.button if b.label == "Save drawing").click().run()
    assert not at.exception
    saved = MyDrawings(store).list()
    assert [d.label for d in saved] == [1] and saved[0].learner == LEARNER  # the browser's, nickname or not
    assert saved[0].image.shape == (28, 28) and saved[0].image.max() == 255
    assert at.session_state["draw_clears"] == 1          # the canvas got a new, empty key
    assert labelled(at.segmented_control, "It is a").value is None          # ready for the next digit
    reloaded = open_page("pages/compare.py")              # a reload: a new session of the same browser
    assert any("accuracy on your 1 drawing" in str(t.value.columns) for t in reloaded.dataframe)


def test_any_saved_model_can_answer_beside_the_best_of_each_kind(app_env, drawn_canvas, logistic_run,
                                                                 store, tiny_mnist):
    second = stored_job(preset("logistic", epochs=1, lr=0.0001), tiny_mnist, store)
    second_id = second.start().wait(timeout=60).run_id
    at = open_draw()
    chooser = labelled(at.multiselect, "Models that answer")
    assert len(chooser.options) == 2 and len(chooser.value) == 1
    assert [m.label for m in at.metric] == ["Logistic regression"]  # only the best one by default
    other = next(i for i in (logistic_run, second_id) if i not in chooser.value)
    chooser.select(other).run()
    assert not at.exception
    assert len(at.metric) == 2 and at.metric[1].label == f"Logistic regression ({other[-6:]})"


def test_a_failed_save_keeps_the_drawing_and_says_why(app_env, drawn_canvas, logistic_run, monkeypatch):
    from core.store import drawings as my_drawings
    from core.store.checkpoints import StoreError

    def read_only(*args, **kwargs):
        raise StoreError("the run store runs.sqlite could not be used (attempt to write a readonly database)")

    at = open_draw()
    monkeypatch.setattr(my_drawings.MyDrawings, "add", read_only)
    labelled(at.segmented_control, "It is a").set_value(7).run()
    next(b for b in at.button if b.label == "Save drawing").click().run()
    assert not at.exception
    assert any("could not be saved" in e.value and "readonly" in e.value for e in at.error)
    assert "draw_clears" not in at.session_state  # the canvas was not cleared
    assert labelled(at.segmented_control, "It is a").value == 7  # nothing to choose again


def paper_with_a_one() -> bytes:
    """A photo-like picture: a dark upright bar on light paper, as a learner would upload one."""
    import io

    import numpy as np
    from PIL import Image
    paper = np.full((240, 180), 230, dtype=np.uint8)
    paper[30:210, 80:100] = 25
    out = io.BytesIO()
    Image.fromarray(paper).save(out, format="PNG")
    return out.getvalue()


def test_without_a_mouse_an_uploaded_picture_gets_the_same_answers_and_can_be_saved(app_env, logistic_run,
                                                                                     store):
    at = open_draw()
    labelled(at.segmented_control, "Your digit").set_value("upload").run()
    assert any("nothing is uploaded yet" in info.value for info in at.info) and not at.metric
    at.file_uploader[0].set_value(("one.png", paper_with_a_one(), "image/png")).run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["Logistic regression"]
    assert any(m.value.startswith("#### Logistic regression reads **") for m in at.markdown)
    labelled(at.segmented_control, "It is a").set_value(1).run()
    next(b for b in at.button if b.label == "Save drawing").click().run()
    assert [d.label for d in MyDrawings(store).list()] == [1]

    at.file_uploader[0].set_value(("notes.png", b"not a picture", "image/png")).run()
    assert not at.exception and not at.metric
    assert len(at.warning) == 1 and "not a picture this page can read" in at.warning[0].value


def test_without_a_mouse_a_test_digit_is_read_by_every_model_with_its_true_label(app_env, logistic_run,
                                                                                tiny_mnist):
    at = open_draw()
    labelled(at.segmented_control, "Your digit").set_value("test").run()
    labelled(at.number_input, "Test digit number").set_value(3).run()
    assert not at.exception
    truth = int(tiny_mnist.test.labels[3])
    assert f"The true digit, as MNIST labels it: **{truth}**." in [m.value for m in at.markdown]
    assert [m.label for m in at.metric] == ["Logistic regression"]
    assert not any(b.label == "Save drawing" for b in at.button)  # MNIST's own digits are not the learner's
