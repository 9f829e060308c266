from streamlit.testing.v1 import AppTest

from conftest import APP
from core.config import preset
from core.jobs import TrainingJob
from core.store import RunStore


def open_draw() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("pages/draw.py")
    return at.run()


def test_without_models_the_page_says_how_to_get_one(app_env):
    at = open_draw()
    assert not at.exception
    assert "No trained model yet" in at.info[0].value
    assert any("nothing is drawn yet" in info.value for info in at.info)


def test_an_empty_canvas_gives_no_prediction(app_env, store_root, tiny_mnist):
    TrainingJob(preset("logistic", epochs=1), tiny_mnist, RunStore(store_root)).start().wait(timeout=60)
    at = open_draw()
    assert not at.exception
    assert not at.metric
    assert "nothing is drawn yet" in at.info[0].value
