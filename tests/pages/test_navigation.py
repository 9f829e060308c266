"""The app routes every page through app.py's st.navigation, although pages/ sits beside
it (Streamlit's old folder mode). AppTest starts each run in that folder mode, so these
tests go through ui.navigation's guard every time."""
import ast
from pathlib import Path

import pytest
from helpers import labelled, new_app, open_page

PAGES = {"pages/home.py": "✍️ Digits dashboard", "pages/lessons.py": "🎓 Lessons", "pages/train.py": "📈 Train", "pages/compare.py": "⚖️ Compare",
         "pages/draw.py": "✏️ Draw", "pages/inside.py": "🔬 Inside", "pages/leaderboard.py": "🏆 Leaderboard"}


@pytest.mark.parametrize("page, title", PAGES.items())
def test_every_page_opens_inside_the_app_frame(app_env, page, title):
    at = open_page(page)
    assert not at.exception
    assert [t.value for t in at.title] == [title]  # the frame's heading and the page's are one
    assert at.sidebar.text_input(key="nickname.sidebar")  # drawn by the app, not the page


def test_the_frame_draws_the_heading_each_page_begins_with():
    from ui.frame import HEADINGS
    assert {f"pages/{path}.py": title for path, title in HEADINGS.items()} == PAGES


def test_the_frame_is_drawn_with_streamlit_alone():
    import subprocess
    import sys
    check = "import sys, ui.frame; print(sorted({'torch', 'sqlalchemy', 'pandas'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"  # what a fresh server's first page waits for comes after its heading


def test_the_root_opens_home(app_env):
    at = new_app().run()
    assert not at.exception and at.title[0].value == PAGES["pages/home.py"]


def test_a_click_in_a_later_run_is_not_lost_to_the_guard(app_env):
    at = open_page("pages/compare.py")
    labelled(at.toggle, "Quick comparison (1 epoch on 5,000 images)").set_value(True).run()        # each of these runs starts in the folder mode again
    assert labelled(at.toggle, "Quick comparison (1 epoch on 5,000 images)").value is True


@pytest.mark.parametrize("page", sorted(p.name for p in (Path(__file__).parents[2] / "pages").glob("[!_]*.py")))
def test_every_page_sends_a_direct_first_request_through_the_app_before_its_imports(page):
    source = (Path(__file__).parents[2] / "pages" / page).read_text()
    body = ast.parse(source).body[1:]  # after the docstring
    # a fresh server's first request to /train runs pages/train.py itself: anything imported
    # before through_app() (torch, the store) would keep the heading from the screen
    assert ast.unparse(body[0]) == "from ui.frame import through_app", page
    assert ast.unparse(body[1]) == "through_app()", page


@pytest.mark.parametrize("loaded", [True, False])
def test_a_fresh_server_says_under_the_heading_that_it_is_loading(app_env, monkeypatch, loaded):
    import ui.frame
    import ui.navigation
    monkeypatch.setattr(ui.frame, "app_loaded", lambda: loaded)
    monkeypatch.setattr(ui.navigation, "run_app", lambda page: None)  # the frame alone, as it shows while torch loads
    at = new_app().run()
    assert not at.exception
    assert [t.value for t in at.title] == [PAGES["pages/home.py"]]
    assert [c.value for c in at.caption] == ([] if loaded else [ui.frame.STARTING_UP])
