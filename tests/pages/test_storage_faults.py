"""A disk that fills while the server runs, and what a hosted server shows of its insides: every
page ends with one sentence (never Streamlit's error page), nothing saved is lost, and a hosted
server's pages name no server path and no library error."""
import os
import re
import subprocess
from pathlib import Path

import pytest
import streamlit as st
from helpers import LEARNER, open_page, tiny_config

from core.jobs.run_keeper import stored_job
from core.store.learners import Learners
from core.store.runs import RunStore

PAGES = ("pages/home.py", "pages/lessons.py", "pages/train.py", "pages/compare.py", "pages/draw.py", "pages/inside.py",
         "pages/leaderboard.py", "pages/class.py")
KEY = "storage-faults-key"
LIBRARY_ERROR = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs of the test's own: a disk that can really fill (root may mount one)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode:
        why = f"cannot mount a tmpfs here (needs root): {made.stderr.decode().strip()}"
        pytest.fail(why) if os.environ.get("CI") else pytest.skip(why)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:  # ENOSPC: full
            pass
    return filler


def page_text(at) -> str:
    """Everything the page says, as a person reads it (markdown's escapes taken out)."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "title")
    said = [str(e.value) for kind in kinds for e in getattr(at, kind)] + [e.message for e in at.exception]
    return " ".join(said).replace("\\", "")


@pytest.fixture
def store_on_small_disk(app_env, small_disk, monkeypatch, tiny_mnist):
    """The app's store on the small disk, with one learner's nickname and one trained run."""
    root = small_disk / "runs"
    monkeypatch.setenv("DIGITS_STORE_DIR", str(root))
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)  # the navigation asks the store who teaches
    st.cache_resource.clear()
    store = RunStore(root)
    Learners(store).set_nickname(LEARNER, "ada")
    run = stored_job(tiny_config(), tiny_mnist, store, "ada", learner=LEARNER).start().wait(60)
    assert not open_page("pages/home.py").exception  # the server has opened its store
    return root, run.run_id


def test_a_disk_that_fills_while_the_server_runs_ends_every_page_in_one_sentence(store_on_small_disk, small_disk):
    root, run_id = store_on_small_disk
    filler = fill(small_disk)
    for page in PAGES:
        at = open_page(page)
        nickname = [box for box in at.text_input if "ickname" in box.label]
        if nickname:  # a write, on a full disk
            at = nickname[0].set_value("bob").run()
        assert not at.exception, (page, [e.message for e in at.exception])
        problems = [e.value for e in at.error if "Saved runs cannot be read or written right now" in e.value]
        assert len(problems) <= 1 and "Traceback" not in page_text(at), page
    filler.unlink()
    st.cache_resource.clear()
    kept = RunStore(root)
    assert kept.get_run(run_id).status == "finished" and kept.load_model(run_id) is not None  # nothing lost


def test_a_hosted_server_names_no_path_and_no_library_error_on_any_page(store_on_small_disk, small_disk,
                                                                        monkeypatch):
    root, run_id = store_on_small_disk
    (root / RunStore(root).get_run(run_id).model_path.relative_to(root)).write_bytes(b"not a model")  # unpickling fails
    monkeypatch.setenv("DIGITS_HOSTED", "1")
    st.cache_resource.clear()
    seen = {page: page_text(open_page(page, {"run": run_id})) for page in PAGES}
    fill(small_disk)
    seen.update({f"{page} (disk full)": page_text(open_page(page)) for page in PAGES})
    for page, text in seen.items():
        assert str(small_disk) not in text and str(root) not in text, (page, text)
        assert not LIBRARY_ERROR.search(text), (page, text)


def test_a_hosted_server_without_its_data_names_no_data_folder(monkeypatch, tmp_path, store_root):
    monkeypatch.setenv("DIGITS_HOSTED", "1")
    monkeypatch.setenv("DIGITS_STORE_DIR", str(store_root))
    monkeypatch.setenv("DIGITS_DATA_DIR", str(tmp_path / "no-mnist-here"))
    st.cache_resource.clear()
    for page in ("pages/train.py", "pages/draw.py", "pages/inside.py"):
        text = page_text(open_page(page))
        assert "no-mnist-here" not in text and str(tmp_path) not in text, (page, text)
        assert not LIBRARY_ERROR.search(text), (page, text)
    assert os.environ["DIGITS_DATA_DIR"].endswith("no-mnist-here")


def test_a_store_failing_inside_a_fragment_ends_it_in_one_sentence():
    from streamlit.testing.v1 import AppTest

    def page():
        from core.store.checkpoints import StoreError
        from ui.resources import fragment

        def live_view():  # as a Train page's live view whose redraw finds the disk full
            raise StoreError("the run store /srv/runs/runs.sqlite could not be used (disk I/O error)")
        fragment(live_view, run_every=60)()

    at = AppTest.from_function(page).run()
    assert not at.exception
    [error] = at.error
    assert "Saved runs cannot be read or written right now" in error.value


@pytest.fixture
def app_on_private_postgres(app_env, monkeypatch, tiny_mnist):
    """The app's runs in a PostgreSQL of the test's own, with a learner's nickname and one run."""
    from helpers import POSTGRES_ENV, needed_server
    from postgres import PrivatePostgres
    needed_server(POSTGRES_ENV, "PostgreSQL (its binaries start a server of the test's own)")
    server = PrivatePostgres().start()
    monkeypatch.setenv("DIGITS_DATABASE_URL", server.url)
    monkeypatch.setenv("DIGITS_TEACHER_KEY", KEY)
    store = RunStore()
    Learners(store).set_nickname(LEARNER, "ada")
    stored_job(tiny_config(), tiny_mnist, store, "ada", learner=LEARNER).start().wait(60)
    assert not open_page("pages/home.py").exception
    yield server
    server.remove()


def every_page_says_one_sentence(pages=PAGES) -> None:
    for page in pages:
        at = open_page(page)
        assert not at.exception, (page, [e.message for e in at.exception])
        problems = [e.value for e in at.error if "Saved runs cannot be read or written right now" in e.value]
        assert len(problems) == 1 and "Traceback" not in page_text(at), (page, page_text(at))


def test_a_database_that_stops_or_hangs_ends_every_page_in_one_sentence(app_on_private_postgres, monkeypatch):
    import time

    from core.store import database
    monkeypatch.setattr(database, "STATEMENT_SECONDS", 2.0)
    monkeypatch.setattr(database, "CONNECT_SECONDS", 2)
    server = app_on_private_postgres
    server.stop()
    every_page_says_one_sentence()
    server.start()
    assert not open_page("pages/home.py").error  # the same server process goes on once it answers
    server.freeze(True)
    try:
        start = time.monotonic()
        every_page_says_one_sentence(("pages/home.py", "pages/train.py"))
        assert time.monotonic() - start < 40  # never as long as the freeze
    finally:
        server.freeze(False)
