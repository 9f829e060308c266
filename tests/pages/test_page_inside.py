"""The Inside page under AppTest, with tiny models trained on the synthetic digits."""
import pytest
from helpers import LEARNER, a_one, labelled, open_page

from core.jobs.run_keeper import stored_job
from core.models.drawing import preprocess
from core.training.config import preset
from ui.keys import DRAWING_KEY, INSIDE_SOURCE_KEY

TINY = {"logistic": {}, "mlp": {"model": {"hidden": [16]}},
        "cnn": {"model": {"channels": [4, 8], "fc_hidden": 16}, "batch_size": 64}}


@pytest.fixture
def tiny_runs(store, tiny_mnist) -> dict[str, str]:
    """One run of every architecture, one epoch on the 640 synthetic digits."""
    runs = {}
    for arch, changes in TINY.items():
        job = stored_job(preset(arch, epochs=1, device="cpu", **changes), tiny_mnist, store, learner=LEARNER)
        runs[arch] = job.start().wait(timeout=120).run_id
    return runs


def open_inside(**kwargs):
    at = open_page("pages/inside.py", **kwargs)
    assert not at.exception, at.exception
    return at


def captions(at) -> list[str]:
    return [img.caption for image in at.get("image") for img in image.proto.imgs]


VIEWS = {"What it looks for": "looks", "Layer by layer": "layers", "The network": "network",
         "Map of the test set": "map", "Bend the digit": "bend"}


def tab(at, title: str):
    """The page after choosing the view `title` (one view is drawn at a time)."""
    labelled(at.segmented_control, "Look at").set_value(VIEWS[title]).run()
    assert not at.exception, at.exception
    return at.main


def test_without_models_it_points_to_train(app_env):
    at = open_inside()
    assert "No trained model of yours yet" in at.info[0].value
    assert not at.segmented_control


def test_each_architecture_opens_with_its_own_views(app_env, tiny_runs):
    at = open_inside()
    assert labelled(at.selectbox, "Model").value == tiny_runs["cnn"]  # the CNN opens first
    looks = tab(at, "What it looks for")
    assert [m.value for m in looks.markdown if m.value.startswith("**Conv")] == [
        "**Conv 1: 4 filters of 5×5**, each slid over the image. Red weights respond to ink, blue to its "
        "absence: edges, strokes, corners."]
    assert [e.label for e in looks.expander] == ["Conv 2: 8 filters, each 4 slices of 5×5 (32 small pictures)"]
    layers = [m.value for m in tab(at, "Layer by layer").markdown if m.value.startswith(("**conv", "**max-pool"))]
    assert layers == ["**conv 1: 4 maps of 24×24**", "**max-pool + batch norm + ReLU 1: 4 maps of 12×12**",
                      "**conv 2: 8 maps of 8×8**", "**max-pool + batch norm + ReLU 2: 8 maps of 4×4**"]
    network = tab(at, "The network").dataframe[0].value  # in "As a table"
    assert network["output"].tolist() == ["1 × 28 × 28", "4 × 12 × 12", "8 × 4 × 4", "128", "16", "10"]

    labelled(at.selectbox, "Model").set_value(tiny_runs["logistic"]).run()
    assert not at.exception
    weights = tab(at, "What it looks for").get("image")[-1]  # after the chosen digit
    assert [img.caption for img in weights.proto.imgs] == [f"digit {d}" for d in range(10)]
    assert any("Weight × ink" in m.value for m in tab(at, "Layer by layer").markdown)

    labelled(at.selectbox, "Model").set_value(tiny_runs["mlp"]).run()
    assert not at.exception
    assert any("first hidden layer's units" in m.value for m in tab(at, "What it looks for").markdown)
    assert tab(at, "The network").dataframe[0].value["parameters"].sum() == 784 * 16 + 16 + 16 * 10 + 10


def test_a_digit_comes_from_the_test_set_a_mistake_or_the_drawing(app_env, tiny_runs):
    at = open_inside()
    labelled(at.number_input, "Test digit number").set_value(7).run()
    assert any(m.value.startswith("**CNN reads ") for m in at.markdown)
    assert "test digit 7" in captions(at)
    at.segmented_control[0].set_value("drawing").run()
    assert "Nothing drawn yet" in at.info[0].value  # and a link to Draw
    at.segmented_control[0].set_value("mistake").run()
    assert not at.exception
    mistakes = labelled(at.selectbox, "Its most confident mistakes")  # one epoch leaves some
    assert ", read as " in mistakes.options[0]
    assert captions(at)[0] == mistakes.options[0].split(":")[0]  # the digit shown is that mistake
    at.segmented_control[0].set_value("drawing").run()
    at.session_state[DRAWING_KEY] = preprocess(a_one())
    at.run()
    assert not at.exception
    assert "your drawing" in captions(at)


def test_draw_hands_its_drawing_over(app_env, tiny_runs):
    at = open_inside(**{DRAWING_KEY: preprocess(a_one()), INSIDE_SOURCE_KEY: "drawing"})
    assert at.segmented_control[0].value == "drawing"
    chart = tab(at, "Map of the test set").get("plotly_chart")[0]
    assert '"name":"your drawing"' in chart.proto.spec.replace('": "', '":"')  # the drawing is a star on the map
    assert "your drawing" in captions(at) and any(m.value.startswith("**CNN reads ") for m in at.markdown)


@pytest.mark.parametrize("query, warning", [
    ({"run": "[x](http://evil.example)"}, "The link's model is not saved here, or has not finished training. "
                                          "Showing your best one instead."),
    ({"digit": "-1"}, "The link's digit must be a test digit from 0 to 199: showing digit 0."),
    ({"digit": "²"}, "The link's digit must be a test digit from 0 to 199: showing digit 0."),
    ({"digit": "9" * 500}, "The link's digit must be a test digit from 0 to 199: showing digit 0."),
    ({"view": "<b>x</b>"}, "The link's view must be one of looks, layers, network, map, bend: showing the first."),
])
def test_a_bad_link_says_so_in_one_sentence_without_repeating_it(app_env, tiny_runs, query, warning):
    at = open_inside(query=query)
    assert [w.value for w in at.warning] == [warning]


def test_a_link_to_a_missing_model_says_so_to_a_visitor_without_models(app_env):
    at = open_inside(query={"run": "20261201-000000-cnn-abcdef"})
    assert at.warning[0].value.startswith("The link's model is not saved here")


def test_a_link_opens_a_model_digit_and_view(app_env, tiny_runs):
    at = open_inside(query={"run": tiny_runs["mlp"], "digit": "12", "view": "network"})
    assert labelled(at.selectbox, "Model").value == tiny_runs["mlp"]
    assert labelled(at.number_input, "Test digit number").value == 12
    assert labelled(at.segmented_control, "Look at").value == "network" and at.dataframe


def test_bending_the_digit_changes_what_the_models_see(app_env, tiny_runs):
    at = open_inside()
    lab = tab(at, "Bend the digit")
    [before] = [m.value for m in lab.markdown if " reads **" in m.value]
    assert before.count(" reads **") == 3 and "CNN reads **" in before  # one run each: no ids
    assert len(lab.get("plotly_chart")) == 2  # accuracy against angle and against scale
    labelled(at.slider, "Move right (px)").set_value(6).run()
    labelled(at.slider, "Scale").set_value(0.5).run()
    assert not at.exception
    [after] = [m.value for m in tab(at, "Bend the digit").markdown if " reads **" in m.value]
    assert after != before
