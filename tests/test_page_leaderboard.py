from streamlit.testing.v1 import AppTest

from conftest import APP, open_page
from core.config import preset
from core.jobs import TrainingJob
from core.store import RunStore


def open_leaderboard(**state) -> AppTest:
    return open_page("pages/leaderboard.py", **state)


def test_an_empty_server_invites_the_first_run(app_env):
    at = open_leaderboard()
    assert not at.exception
    assert "No trained model yet" in at.info[0].value


def test_every_run_of_the_server_is_ranked_with_its_nickname(app_env, store_root, tiny_mnist):
    store = RunStore(store_root)
    for name, lr in (("ada", 0.01), ("grace", 0.0001)):
        TrainingJob(preset("logistic", epochs=1, lr=lr), tiny_mnist, store, nickname=name).start().wait(timeout=60)
    at = open_leaderboard(nickname="grace")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["nickname"]) == ["ada", "grace"]  # the higher learning rate learns more in one epoch
    assert list(table["test accuracy"]) == sorted(table["test accuracy"], reverse=True)
    assert "Your best place: **2** of 2." in at.caption[-1].value


def test_a_nickname_typed_on_home_is_kept_for_the_session(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="nickname_input").input("  ada  ").run()
    assert at.session_state["nickname"] == "ada"
    at.switch_page("pages/leaderboard.py").run()
    assert at.text_input(key="nickname_input").value == "ada"
