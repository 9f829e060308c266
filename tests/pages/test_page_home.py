import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from helpers import APP, LEARNER, new_app, shown, write_mnist

import ui.resources
from core.config.settings import STORE_DIR_ENV
from core.jobs.run_keeper import stored_job
from core.store.learners import Learners
from core.training.config import preset


def test_home_shows_sample_digits_and_trained_models(app_env, store, tiny_mnist):
    config = preset("logistic", epochs=1, batch_size=32)
    stored_job(config, tiny_mnist, store, nickname="ada", learner=LEARNER).start().wait(timeout=60)
    stored_job(config, tiny_mnist, store, nickname="cli").start().wait(timeout=60)  # nobody's: the CLI's
    Learners(store).set_nickname(LEARNER, "ada")
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value.startswith("✍️ Digits dashboard")
    [grid] = at.get("image")
    captions = [img.caption for img in grid.proto.imgs]
    assert len(captions) == 24 and all(c.startswith("label ") for c in captions)
    assert "640 training and 200 test images" in at.caption[0].value
    table = at.dataframe[0].value
    assert list(table["by"]) == ["cli", "ada"] and list(table["status"]) == ["finished"] * 2


def test_home_asks_for_a_nickname_once_and_the_sidebar_keeps_it(app_env, store):
    at = new_app().run()
    at.text_input(key="nickname.home").input("  ada\tlovelace ").run()
    assert not at.exception
    assert Learners(store).nickname(LEARNER) == "ada lovelace"
    assert at.text_input(key="nickname.sidebar").value == "ada lovelace"
    again = new_app().run()  # a reload: a new session of the same browser
    assert "nickname.home" not in [box.key for box in again.text_input]  # asked once
    assert again.text_input(key="nickname.sidebar").value == "ada lovelace"
    again.text_input(key="nickname.sidebar").input("grace").run()
    assert Learners(store).nickname(LEARNER) == "grace"
    assert new_app(learner="b" * 32).run().text_input(key="nickname.sidebar").value == ""  # another browser


def test_home_without_models_says_how_to_get_one(app_env):
    at = new_app().run()
    assert not at.exception
    assert any("No trained model yet" in info.value for info in at.info)


@pytest.mark.parametrize("page", ["pages/home.py", "pages/train.py", "pages/compare.py"])
def test_missing_data_shows_instructions_not_a_traceback(monkeypatch, store_root, tmp_path, page):
    monkeypatch.setenv(STORE_DIR_ENV, str(store_root))
    monkeypatch.setenv("DIGITS_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(ui.resources, "read_dataset",
                        lambda root, spec, download=False: __import__("core.data.loading").data.loading.read_dataset(
                            root, spec, download=False))
    st.cache_resource.clear()
    at = new_app()
    at.switch_page(page).run()
    assert not at.exception
    assert "MNIST not found" in at.error[0].value and str(tmp_path) in shown(at.error[0].value)




def test_the_one_user_of_a_server_without_classes_sees_where_the_data_lies(app_env):
    assert "read from synthetic" in new_app().run().caption[0].value


def test_only_the_teacher_sees_where_the_data_lies_on_a_server_with_classes(app_env, store, monkeypatch):
    from core.classroom.classes import Classes
    monkeypatch.setenv("DIGITS_TEACHER_KEY", "workshop-key-42")
    assert new_app().run().caption[0].value == "640 training and 200 test images."  # a learner
    Classes(store).sign_in(LEARNER, "workshop-key-42", "workshop-key-42")
    assert "read from synthetic" in new_app().run().caption[0].value


# Run in a fresh process: Home's first run, noting whether torch was imported when the page
# had been drawn (warm_up, which imports it, comes next); what it saw, as JSON.
FIRST_PAGE = f"""
import json, sys
from streamlit.testing.v1 import AppTest
import ui.navigation
warm_up, drawn = ui.navigation.warm_up, []
ui.navigation.warm_up = lambda: drawn.append("torch" in sys.modules) or warm_up()
at = AppTest.from_file({APP!r}, default_timeout=60)
at.session_state["learner"] = {LEARNER!r}
at.run()
seen = {{"torch when drawn": drawn, "torch after": "torch" in sys.modules, "exception": [e.value for e in at.exception],
        "headers": [h.value for h in at.header], "images": len(at.get("image")[0].proto.imgs),
        "errors": [e.value for e in at.error]}}
print(json.dumps({{**seen, "runs": len(at.dataframe[0].value)}}))
"""


@pytest.mark.parametrize("limits", [{}, {"DIGITS_MAX_TRAINING_MB": "500"}])  # the second refuses every preset
def test_a_fresh_servers_home_is_drawn_without_importing_torch(store, store_root, tiny_mnist, tmp_path, limits):
    stored_job(preset("logistic", epochs=1, batch_size=32), tiny_mnist, store, learner=LEARNER).start().wait(60)
    data_root = write_mnist(tmp_path / "data", tiny_mnist)
    env = {**os.environ, STORE_DIR_ENV: str(store_root), "DIGITS_DATA_DIR": str(data_root), **limits}
    out = subprocess.run([sys.executable, "-c", FIRST_PAGE], capture_output=True, text=True, timeout=180,
                         env=env, cwd=Path(APP).parent, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["exception"] == [] and seen["headers"] == ["The data", "Trained models"]
    assert seen["images"] == 24 and seen["runs"] == 1
    # limits that refuse every preset are said once the page is drawn, under its heading
    assert [e.startswith("**This server is misconfigured.**") for e in seen["errors"]] == ([True] if limits else [])
    # importing torch takes over a second of a 2-core server's first page (docs/benchmarks.md)
    assert seen["torch when drawn"] == [False] and seen["torch after"] is True
