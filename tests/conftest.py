"""Fixtures and the tiers' markers. Plain helpers (tiny_config, open_page, wait_until, ...) live
in tests/helpers.py and are imported `from helpers import ...`; nothing imports this file."""
from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest
from helpers import POSTGRES_ENV, RAY_ENV, a_one, files_of, needed_server, synthetic_split

from core.data.loading import DATA_DIR_ENV, Dataset, load_dataset
from tests.support.browser import CHROMIUM  # Debian's chromium

TESTS = Path(__file__).resolve().parent
SPEEDS_FILE = Path(os.environ.get("TMPDIR", "/tmp")) / f"digits-test-speeds-{os.getpid()}.json"


def pytest_configure(config):
    """Test servers and pages go by the registry's speeds, kept as this machine's: none measures
    in the background (seconds of CPU per server on a busy machine, and a measurement still
    running when a test process exits aborts it in torch's thread pools). Measuring is
    tests/unit/training/test_calibration.py's; the estimates' accuracy, bench.speed waits'."""
    if "DIGITS_SPEEDS_FILE" in os.environ:
        return
    from core.config.settings import usable_cores
    from core.models.architectures import ARCHITECTURES
    from core.training import calibration
    rates = {f"{name}/float32": spec.examples_per_second for name, spec in ARCHITECTURES.items()}
    for threads in range(1, max(usable_cores(), 8) + 1):
        calibration.write(SPEEDS_FILE, calibration.Speeds(calibration.machine_key(threads), rates))
    os.environ["DIGITS_SPEEDS_FILE"] = str(SPEEDS_FILE)   # read by every test server this run starts


def pytest_unconfigure(config):
    SPEEDS_FILE.unlink(missing_ok=True)
NO_REAL_DATA = f"${DATA_DIR_ENV} is unset: no real MNIST to test on"
NO_CHROMIUM = f"{CHROMIUM} missing: apt-get install -y chromium"
TIER_MARKERS = {"unit": "unit", "pages": "page", "browser": "browser", "real_data": "real_data"}  # folder: marker
SLOW_FIRST = ("real_data", "browser", "bench", "pages", "unit")  # the tiers' folders, slowest first
# The longest browser files, longest first (worker seconds in CI, with their servers: layout about
# 225, identity 165, class 145, replicas 90): started before the short ones, they end together.
LONGEST_FILES = ("test_layout.py", "test_identity.py", "test_class.py", "test_replicas.py", "test_lessons.py",
                 "test_compare.py")


# -- the tiers: markers from the folders, and their skips ------------------------------------
def pytest_collection_modifyitems(config, items):
    """Marks every test by its tier's folder (tests/pages/ -> page, tests/browser/ -> browser,
    tests/real_data/ -> real_data, tests/unit/ -> unit) and every test using the real_mnist
    fixture as real_data; skips real_data tests when $DIGITS_DATA_DIR is unset and browser
    tests when Debian's chromium is missing, with the reason."""
    no_data = not os.environ.get(DATA_DIR_ENV)
    no_chromium = not Path(CHROMIUM).exists()
    for item in items:
        tier = tier_of(item)
        if tier in TIER_MARKERS:
            item.add_marker(TIER_MARKERS[tier])
        if "real_mnist" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("real_data"):
            item.add_marker("real_data")
        if no_data and item.get_closest_marker("real_data"):
            item.add_marker(pytest.mark.skip(reason=NO_REAL_DATA))
        elif no_chromium and item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))
    # The slowest tiers first and, within them, the longest files: pytest-xdist hands files to its
    # workers in this order, so the long real-data and browser files start at once and the quick
    # unit files fill in the gaps at the end.
    items.sort(key=slowest_first)


def slowest_first(item) -> tuple[int, int]:
    tier, name = tier_of(item), Path(item.path).name
    return (SLOW_FIRST.index(tier) if tier in SLOW_FIRST else len(SLOW_FIRST),
            LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES))


def tier_of(item) -> str:
    try:
        return Path(item.path).resolve().relative_to(TESTS).parts[0]
    except ValueError:
        return ""


# -- data ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tiny_mnist() -> Dataset:
    return Dataset(synthetic_split(640, seed=0), synthetic_split(200, seed=1), Path("synthetic"), "synthetic")


@pytest.fixture(scope="session")
def real_mnist() -> Dataset:
    if not os.environ.get(DATA_DIR_ENV):  # tests using it are marked real_data and skipped before this
        pytest.skip(NO_REAL_DATA)
    return load_dataset(os.environ[DATA_DIR_ENV], download=False)


# -- the run store -----------------------------------------------------------------------------
@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def store(request, store_root):
    """A RunStore on the test's store_root (on the database each_database chose, when the test
    runs on each). Tests about opening a store (again, damaged, twice) build their own."""
    if "each_database" in request.fixturenames:
        request.getfixturevalue("each_database")  # its DIGITS_DATABASE_URL first
    from core.store.runs import RunStore
    return RunStore(store_root)


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


@pytest.fixture
def postgres_url():
    """A fresh database on the PostgreSQL server of $DIGITS_TEST_POSTGRES_URL."""
    from tests.postgres import fresh_database
    with fresh_database(needed_server(POSTGRES_ENV, "a PostgreSQL server")) as url:
        yield url


@pytest.fixture(scope="session")
def ray_address() -> str:
    pytest.importorskip("ray", reason="pip install -r requirements-cluster.txt")
    return needed_server(RAY_ENV, "a Ray head")


# -- pages under AppTest -----------------------------------------------------------------------
@pytest.fixture
def app_env(monkeypatch, store_root, tiny_mnist):
    """Pages under AppTest read the tiny synthetic digits and a fresh store."""
    import streamlit as st

    import ui.resources
    monkeypatch.setenv("DIGITS_STORE_DIR", str(store_root))
    monkeypatch.setattr(ui.resources, "read_dataset", lambda root, spec=None, download=False: files_of(tiny_mnist))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


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
def app_store(tmp_path_factory) -> Path:
    """The run store of app_server, for tests that check what the server saved."""
    return tmp_path_factory.mktemp("browser-runs")


@pytest.fixture(scope="session")
def app_server(app_store):
    """One Streamlit server with the default settings for the whole session: the browser tests
    that need no settings of their own and no fresh process share it, each as its own learners
    (browser contexts). Its URL."""
    from tests.support.browser import serve_app
    with serve_app(app_store) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_api():
    """playwright.sync_api, once Debian's chromium and the playwright package are both here."""
    api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    return api


@pytest.fixture(scope="session")
def browser(playwright_api):
    from tests.support.browser import launch_chromium
    with playwright_api.sync_playwright() as p:
        instance = launch_chromium(p)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
