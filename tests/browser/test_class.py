"""Journey: a teacher runs a class of four learner browsers from /class."""
import csv
import re
from pathlib import Path

import pytest

from docs.screenshots import settled

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data

KEY = "browser-class-key"
SEEN_WITHIN_MS = 2_000  # the teacher sees a learner's change within this
# pupil1's MLP trains long enough to be seen training; the others' logistic regressions are quick
TRAIN_URLS = {1: "/train?arch=mlp&epochs=1&train_examples=20000"}
QUICK_URL = "/train?arch=logistic&epochs=1&train_examples=5000"


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    from tests.support.browser import serve_app
    store = tmp_path_factory.mktemp("class-runs")
    with serve_app(store, env={"DIGITS_TEACHER_KEY": KEY, "DIGITS_QUEUE_SLOTS": "1"}) as url:
        yield url, store


@pytest.fixture
def new_page(browser):
    """Pages of new browser contexts, closed when the test ends: a teacher's page left open
    would go on redrawing its live tables and the projector for the rest of the session."""
    contexts = []

    def open_page(**options):
        contexts.append(browser.new_context(**options))
        return contexts[-1].new_page()
    yield open_page
    for context in contexts:
        context.close()


def open_list(combobox, tries: int = 3) -> list[str]:
    """The options of a selectbox, once its list has opened: a rerun that redraws the page just
    then (the nickname typed before) closes a list opened a moment earlier, so it is opened again."""
    options = combobox.page.get_by_role("option")
    for attempt in range(tries):
        combobox.click()
        try:
            expect(options.first).to_be_visible(timeout=10_000)
            return options.all_inner_texts()
        except AssertionError:
            if attempt == tries - 1:
                raise
    return []


def state_of(teacher, name: str):
    """The "now" cell of a learner's row in the teacher's table: the grid draws on a canvas and
    keeps its cells, as text, in an accessible table of rows beneath it."""
    row = teacher.locator('[data-testid="stDataFrame"] [role="row"]').filter(
        has=teacher.locator('[role="gridcell"]', has_text=re.compile(f"^{name}$")))
    return row.locator('[role="gridcell"]').nth(1)


def start_class(new_page, url: str, title: str):
    """A teacher's page that opened /class with the key and started a class: (page, its code)."""
    teacher = new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    teacher.goto(f"{url}/class")
    teacher.get_by_label("Teacher key").fill(KEY)
    teacher.get_by_role("button", name="Open the teacher's view").click()
    teacher.get_by_role("button", name="Start a new class").click(timeout=30_000)
    teacher.get_by_label("Its name (shown to learners)").fill(title)
    teacher.get_by_role("button", name="Start it").click()
    expect(teacher.get_by_text(re.compile(r"Class code: [A-Z2-9]{6}"))).to_be_visible(timeout=30_000)
    expect(teacher.get_by_label("Its name (shown to learners)")).to_be_hidden()  # the popover closed...
    expect(teacher.get_by_text(title).first).to_be_visible()                   # ...off the class's name
    return teacher, re.search(r"Class code: ([A-Z2-9]{6})", teacher.inner_text("body")).group(1)


def test_a_teacher_sees_four_learners_cancels_one_and_exports_the_class(class_server, new_page):
    url, store_dir = class_server
    teacher, code = start_class(new_page, url, "Workshop")
    teacher.get_by_text("Hold the class's trainings").click()  # everyone queues until the teacher lets go

    learners = []
    for i in range(1, 5):
        page = new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}{TRAIN_URLS.get(i, QUICK_URL)}")
        nickname = page.get_by_role("textbox", name="Your nickname")
        nickname.fill(f"pupil{i}")
        nickname.press("Enter")
        box = page.get_by_role("textbox", name="Class code")
        box.fill(code.lower())
        box.press("Enter")
        expect(page.get_by_text(f"In class {code}")).to_be_visible(timeout=30_000)
        # the first learner brings the first table, whose grid script the browser loads then: seconds
        expect(state_of(teacher, f"pupil{i}")).to_have_text("idle", timeout=SEEN_WITHIN_MS if i > 1 else 30_000)
        learners.append(page)

    for i, page in enumerate(learners, 1):
        page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start").click()
        expect(page.get_by_text("Waiting in the training queue")).to_be_visible(timeout=30_000)
        expect(state_of(teacher, f"pupil{i}")).to_have_text("queued", timeout=SEEN_WITHIN_MS)

    # the teacher cancels pupil4's queued training; pupil4 is told
    teacher.get_by_test_id("stHorizontalBlock").filter(has_text="pupil4:").get_by_role("button", name="Cancel").click()
    expect(learners[3].get_by_text("Cancelled by your teacher before it started.")).to_be_visible(timeout=30_000)
    expect(state_of(teacher, "pupil4")).to_have_text("cancelled", timeout=SEEN_WITHIN_MS)
    expect(teacher.get_by_text("4 learners · 0 running · 3 queued · 1 cancelled · 0 idle")).to_be_visible()

    teacher.get_by_text("Hold the class's trainings").click()  # let go: one at a time (one slot)
    expect(learners[0].get_by_text(re.compile(r"examples/s"))).to_be_visible(timeout=60_000)
    expect(state_of(teacher, "pupil1")).to_have_text("running", timeout=SEEN_WITHIN_MS)
    for i, page in enumerate(learners[:3], 1):
        expect(page.get_by_text("Finished.", exact=False)).to_be_visible(timeout=180_000)
        expect(state_of(teacher, f"pupil{i}")).to_have_text("finished", timeout=SEEN_WITHIN_MS)
    expect(teacher.get_by_text("4 learners · 0 running · 0 queued · 3 finished · 1 cancelled · 0 idle")).to_be_visible(
        timeout=SEEN_WITHIN_MS)

    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Download the class's runs (CSV)").click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    from core.store.runs import RunStore
    runs = {run.run_id: run for run in RunStore(store_dir).list_runs(class_code=code, with_history=False)}
    assert {row["run"] for row in rows} == set(runs) and len(rows) == 4
    for row in rows:
        run = runs[row["run"]]
        assert row["status"] == run.status and row["learner"] == run.nickname
        assert (row["test accuracy"] == "") == (run.test_accuracy is None)
    assert sorted(row["status"] for row in rows) == ["cancelled"] + ["finished"] * 3

    # names on the wall: the teacher types a new name for pupil2; a fifth learner joins by the
    # projector's link meanwhile, and the typed name outlives the control's redraw that lists them
    teacher.get_by_label("Name on the projector").fill("Team blue")
    newcomer = new_page()
    newcomer.goto(f"{url}/?join={code}")
    expect(newcomer.get_by_text(f"In class {code}")).to_be_visible(timeout=30_000)
    assert "join=" not in newcomer.url                      # joined once: a reload does not join again
    expect(teacher.get_by_text(re.compile(r"^5 learners · "))).to_be_visible(timeout=SEEN_WITHIN_MS)
    wall = teacher.locator(f".st-key-class-wall-who-{code}")
    wall.click()
    expect(teacher.get_by_role("option")).to_have_count(5, timeout=10_000)  # the control's redraw came
    teacher.get_by_role("option", name="pupil2").click()
    expect(teacher.get_by_label("Name on the projector")).to_have_value("Team blue")
    teacher.get_by_role("button", name="Rename").click()
    expect(teacher.get_by_text("On the projector: pupil2 → Team blue")).to_be_visible(timeout=30_000)
    wall.click()
    teacher.get_by_role("option", name="pupil3").click()
    teacher.get_by_role("button", name="Hide the nickname").click()
    expect(teacher.get_by_text("On the projector: pupil2 → Team blue; pupil3 → Learner 3")).to_be_visible(
        timeout=30_000)

    teacher.get_by_text("Projector mode").click()
    qr = teacher.get_by_role("img", name=re.compile(f"QR code of the address that joins class {code}"))
    expect(qr).to_be_visible(timeout=30_000)
    expect(teacher.get_by_text(f"{url}/?join={code}")).to_be_visible()
    legend = teacher.locator(".legendtext")
    expect(legend.filter(has_text="Team blue")).to_have_count(1, timeout=30_000)
    expect(legend.filter(has_text="Learner 3")).to_have_count(1)
    expect(legend.filter(has_text=re.compile("pupil[23]"))).to_have_count(0)


def test_a_browser_guessing_keys_locks_out_only_itself(class_server, new_page):
    url, _ = class_server
    guesser = new_page()
    for attempt in range(10):                        # WRONG_KEYS["browser"]; each in a fresh page, so the
        guesser.goto(f"{url}/class")                 # warning seen is this attempt's
        guesser.get_by_label("Teacher key").fill(f"guess-{attempt:04d}")
        guesser.get_by_role("button", name="Open the teacher's view").click()
        expect(guesser.get_by_text("That is not this server's teacher key.")).to_be_visible(timeout=30_000)
    guesser.goto(f"{url}/class")
    guesser.get_by_label("Teacher key").fill(KEY)    # even the right key: a guesser cannot tell a hit
    guesser.get_by_role("button", name="Open the teacher's view").click()
    expect(guesser.get_by_text(re.compile("Too many wrong teacher keys from this browser"))).to_be_visible(
        timeout=30_000)
    teacher = new_page()  # the real teacher, at the same address
    teacher.goto(f"{url}/class")
    teacher.get_by_label("Teacher key").fill(KEY)
    teacher.get_by_role("button", name="Open the teacher's view").click()
    expect(teacher.get_by_role("button", name="Start a new class")).to_be_visible(timeout=30_000)


def test_a_browser_guessing_class_codes_locks_out_only_itself(class_server, new_page):
    url, _ = class_server
    teacher, code = start_class(new_page, url, "Guarded")
    guesser = new_page()
    guesser.goto(f"{url}/home")
    box = guesser.get_by_role("textbox", name="Class code")
    for attempt in range(30):                        # WRONG_CODES["browser"]
        box.fill(f"QQ{attempt:04d}")
        box.press("Enter")
        expect(guesser.get_by_text(f"There is no class with the code 'QQ{attempt:04d}'")).to_be_visible(
            timeout=30_000)
    box.fill(code)                                   # even the right code: a guesser cannot tell a hit
    box.press("Enter")
    expect(guesser.get_by_text(re.compile("Too many wrong class codes from this browser"))).to_be_visible(
        timeout=30_000)
    learner = new_page()  # a real learner, at the same address
    learner.goto(f"{url}/home")
    learner_box = learner.get_by_role("textbox", name="Class code")
    learner_box.fill(code)
    learner_box.press("Enter")
    expect(learner.get_by_text(f"In class {code}")).to_be_visible(timeout=30_000)


def test_the_teacher_paces_the_lessons_and_sees_two_learners_progress(class_server, new_page):
    url, _ = class_server
    teacher, code = start_class(new_page, url, "Lessons day")
    opened = teacher.get_by_role("combobox", name="Lessons open to the class")
    opened.scroll_into_view_if_needed()
    opened.click()
    teacher.get_by_role("option", name=re.compile("^1 to 2: ")).click()
    teacher.get_by_role("textbox", name="Message on every learner's page").fill("Stop here and look at the projector")
    teacher.get_by_role("button", name="Show it").click()
    expect(teacher.get_by_text("Showing now: “Stop here and look at the projector”")).to_be_visible(timeout=30_000)

    learners = []
    for name in ("pupil-a", "pupil-b"):
        page = new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/lessons?join={code}")
        expect(page.get_by_text(f"In class {code}")).to_be_visible(timeout=30_000)
        nickname = page.get_by_role("textbox", name="Your nickname")
        nickname.fill(name)
        nickname.press("Enter")
        expect(page.get_by_text("Your teacher: Stop here and look at the projector")).to_be_visible()
        settled(page, quiet=0.5)  # the nickname's rerun has drawn the page anew: one lesson list, not its old copy
        options = open_list(page.get_by_test_id("stMainBlockContainer").get_by_role("combobox", name="Lesson"))
        assert [o.endswith("🔒") for o in options] == [False, False] + [True] * (len(options) - 2), options
        page.keyboard.press("Escape")
        learners.append(page)

    progress = teacher.locator(".st-key-lesson-progress")
    progress.scroll_into_view_if_needed()  # the grid keeps the cells it shows, as text, for a screen reader

    def at_lesson(name: str):  # the learner's "at lesson" cell in the teacher's progress table
        row = progress.locator('[role="row"]').filter(
            has=teacher.locator('[role="gridcell"]', has_text=re.compile(f"^{name}$")))
        return row.locator('[role="gridcell"]').nth(1)

    for name in ("pupil-a", "pupil-b"):
        expect(at_lesson(name)).to_have_text(re.compile("^1\\. The data"), timeout=30_000)
    first = learners[0]
    first.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Home").click()
    sample = first.get_by_test_id("stMainBlockContainer").get_by_role("spinbutton", name="Sample")
    sample.fill("3")
    sample.press("Enter")
    expect(first.get_by_test_id("stToast").filter(has_text="Lesson 1, task done")).to_be_visible(timeout=30_000)
    expect(at_lesson("pupil-a")).to_have_text(re.compile("^2\\. Logistic"), timeout=5_000)  # within a few seconds
    expect(at_lesson("pupil-b")).to_have_text(re.compile("^1\\. The data"))

    teacher.get_by_role("button", name="Take it down").click()  # pupil-b reads, touching nothing: it goes
    expect(learners[1].get_by_text("Your teacher: Stop here")).to_have_count(0, timeout=10_000)
