"""Shared fixtures: small synthetic digits for unit tests, the real MNIST when available."""
from __future__ import annotations

import os
import re
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data.loading import DATA_DIR_ENV, Dataset, Split, load_dataset


def synthetic_split(n: int, seed: int) -> Split:
    """Ten easy classes: digit k is a bright 6x6 square at its own place, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 60, (n, 28, 28), generator=g)
    for i, k in enumerate(labels.tolist()):
        row, col = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        images[i, row:row + 6, col:col + 6] = 255
    return Split(images.to(torch.uint8), labels)


def tiny_config(**changes):
    """A config that trains in a second on the tiny digits: logistic, Adam, on the CPU."""
    from core.training.config import build_config
    values = dict(arch="logistic", epochs=2, batch_size=32, lr=0.01, optimizer="adam", log_every=100, device="cpu")
    return build_config({**values, **changes}, preset=None)


@pytest.fixture(scope="session")
def tiny_mnist() -> Dataset:
    return Dataset(synthetic_split(640, seed=0), synthetic_split(200, seed=1), Path("synthetic"), "synthetic")


@pytest.fixture(scope="session")
def real_mnist() -> Dataset:
    if not os.environ.get(DATA_DIR_ENV):
        pytest.skip(f"${DATA_DIR_ENV} is unset: point it at a folder holding MNIST/raw to run real-data tests")
    return load_dataset(os.environ[DATA_DIR_ENV], download=False)


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


POSTGRES_ENV = "DIGITS_TEST_POSTGRES_URL"  # a PostgreSQL server's URL that may create databases (.ci/run sets it)


@pytest.fixture(params=["sqlite", "postgresql"])
def each_database(request, monkeypatch):
    """Run the test on SQLite, then on a fresh database of the PostgreSQL server that
    $DIGITS_TEST_POSTGRES_URL names (CI starts one; without it, locally, that half skips)."""
    if request.param == "sqlite":
        monkeypatch.delenv("DIGITS_DATABASE_URL", raising=False)
        yield "sqlite"
        return
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite's own file")
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        if os.environ.get("CI"):
            pytest.fail(f"${POSTGRES_ENV} is unset: CI must run the store tests on PostgreSQL too")
        pytest.skip(f"${POSTGRES_ENV} is unset: no PostgreSQL server to test against")
    from tests.postgres import fresh_database
    with fresh_database(admin) as url:
        monkeypatch.setenv("DIGITS_DATABASE_URL", url)
        yield "postgresql"


RAY_ENV = "DIGITS_TEST_RAY_ADDRESS"  # a running Ray head's address (.ci/run starts one with `ray start --head`)
RAY_CLIENT_ENV = "DIGITS_TEST_RAY_CLIENT_ADDRESS"  # the same head's Ray Client address, ray://host:port


def _needed_server(name: str, what: str) -> str:
    """The address in $name; without it a test skips locally and fails in CI."""
    found = os.environ.get(name)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"${name} is unset: CI must start {what}")
        pytest.skip(f"${name} is unset: no {what} to test against")
    return found


@pytest.fixture
def postgres_url():
    """A fresh database on the PostgreSQL server of $DIGITS_TEST_POSTGRES_URL."""
    from tests.postgres import fresh_database
    with fresh_database(_needed_server(POSTGRES_ENV, "a PostgreSQL server")) as url:
        yield url


@pytest.fixture(scope="session")
def ray_address() -> str:
    pytest.importorskip("ray", reason="pip install -r requirements-cluster.txt")
    return _needed_server(RAY_ENV, "a Ray head")


APP = str(Path(__file__).resolve().parents[1] / "app.py")


LEARNER = "a" * 32  # the learner id AppTest sessions use unless a test names another


def new_app(learner: str = LEARNER, timeout: float = 30):
    """An AppTest of the app, not yet run, for `learner`. AppTest has no cookies, so the id
    a browser's cookie would give goes straight into session_state."""
    from streamlit.testing.v1 import AppTest

    from ui.identity import LEARNER_KEY
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state[LEARNER_KEY] = learner
    return at


def wait_until(condition, timeout: float = 30, every: float = 0.02, what: str = "the condition"):
    """Poll `condition()` until it is truthy (returned) or `timeout` seconds pass (a failure)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not hold within {timeout} s")
        time.sleep(every)
    return value


def labelled(widgets, label: str):
    """The one widget of an AppTest list (`at.button`, `at.toggle`, ...) with this label (a
    failure if there is none or several): tests find widgets as a person does, not by position."""
    [found] = [w for w in widgets if w.label == label]
    return found


def button(at, label: str):
    return labelled(at.button, label)


def shown(markdown: str) -> str:
    """What a reader sees of a message that ui.resources.plain() escaped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def server_queue():
    """The process's training queue, as the pages get it (app_env gives each test a new one)."""
    from ui.resources import training_queue
    return training_queue()


def open_page(page: str, query: dict | None = None, timeout: float = 30, learner: str = LEARNER, **state):
    """AppTest of `page` ("pages/train.py") for `learner`, run once with `query` parameters
    and `state` set."""
    at = new_app(learner, timeout)
    at.switch_page(page)
    for key, value in state.items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture
def app_env(monkeypatch, store_root, tiny_mnist):
    """Pages under AppTest read the tiny synthetic digits and a fresh store."""
    import streamlit as st

    import ui.resources
    monkeypatch.setenv("DIGITS_STORE_DIR", str(store_root))
    monkeypatch.setattr(ui.resources, "load_dataset", lambda root, spec=None, download=False: tiny_mnist)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def a_one() -> np.ndarray:
    """What the canvas returns for a vertical stroke: RGBA, white ink on black."""
    image = np.zeros((280, 280, 4), dtype=np.uint8)
    image[..., 3] = 255
    image[40:240, 130:150, :3] = 255
    return image


@pytest.fixture
def drawn_canvas(monkeypatch):
    """The page's canvas as if a learner had drawn a "1" (AppTest has no pointer to draw with)."""
    # a stand-in module, not the real one patched: importing the real one registers its component,
    # which needs a running Streamlit runtime (the first AppTest run makes one)
    canvas = types.ModuleType("streamlit_drawable_canvas")
    canvas.st_canvas = lambda **kwargs: types.SimpleNamespace(image_data=a_one(), json_data={"objects": [{"type": "path"}]})
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", canvas)


# -- browser tests: a real Streamlit server driven by Debian's chromium ----------------
@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    from bench.browser import serve_app
    with serve_app(tmp_path_factory.mktemp("browser-runs")) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_api():
    """playwright.sync_api, once Debian's chromium and the playwright package are both here."""
    api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
    from bench.browser import CHROMIUM
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    return api


@pytest.fixture(scope="session")
def browser(playwright_api):
    from bench.browser import launch_chromium
    with playwright_api.sync_playwright() as p:
        instance = launch_chromium(p)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
