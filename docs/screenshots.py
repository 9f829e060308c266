"""Every page of the app as its users see it: 1366×768 and a 390×844 phone, light and dark.

    DIGITS_DATA_DIR=../shared/data python -m docs.screenshots [--out docs/screenshots] [--full]   # from the root

Trains the three architectures quickly (1 epoch on 5,000 images) into a fresh run store
under one learner, starts the app on that store, and opens each page in headless chromium
as that learner's browser: Home, Train (before and during a run), Compare, Draw (with a
drawn 7), Inside (that 7, and its tabs), the Leaderboard, and the teacher's Class page
of a class of six learners (that learner is its teacher), with its projector view at
1920×1080. Saves the first screen of each (`<page>-<size>-<theme>.png`; `--full` adds
whole-page shots, `…-full.png`). Needs DIGITS_DATA_DIR; about 4 minutes; emoji need
fonts-noto-color-emoji. The server and browser harness is tests/support/browser.py.
"""
from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from core.analysis.compare import train_all_configs
from core.classroom.classes import Classes
from core.config.settings import data_dir
from core.data.loading import load_dataset
from core.jobs.run_keeper import stored_job
from core.store.learners import COOKIE_NAME, Learners, learner_id
from core.store.runs import RunStore
from core.training.config import preset
from tests.support.browser import ROOT, launch_chromium, serve_app

SECRET = "5c7e" * 8            # the browser's cookie; the runs are trained under its learner id
NICKNAME = "ada"
SIZES = {"desktop": dict(viewport={"width": 1366, "height": 768}),
         "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                       device_scale_factor=2,  # and a phone's User-Agent, which the app reads (ui.display)
                       user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                                  "Chrome/131.0.0.0 Mobile Safari/537.36")}
THEMES = ("light", "dark")      # chromium's colour scheme; Streamlit follows it by default
TEACHER_KEY = "screenshots-teacher-key"
PROJECTOR = dict(viewport={"width": 1920, "height": 1080})
# the class's learners and what each trained (1 epoch on 5,000 images, as the quick budget)
CLASS = (("grace", "cnn", 0.003), ("alan", "mlp", 0.003), ("katherine", "cnn", 0.01), ("emmy", "logistic", 0.01),
         ("ada", "mlp", 0.01), ("hedy", "logistic", 0.001))


def pretrained_store(root: Path) -> RunStore:
    """Three quick runs of the learner, as after "Train all three" with the quick budget."""
    store = RunStore(root)
    mnist = load_dataset(data_dir(), download=False)
    Learners(store).set_nickname(learner_id(SECRET), NICKNAME)
    for config in train_all_configs(epochs=1, train_examples=5_000):
        stored_job(config, mnist, store, NICKNAME, learner=learner_id(SECRET)).start().wait()
    classes = Classes(store)
    classes.sign_in(learner_id(SECRET), TEACHER_KEY, TEACHER_KEY)
    code = classes.start_class("Tuesday workshop")
    for n, (name, arch, lr) in enumerate(CLASS):
        learner = f"{n + 1:032x}"
        Learners(store).set_nickname(learner, name)
        classes.join(learner, code)
        config = preset(arch, epochs=1, train_examples=5_000, lr=lr)
        stored_job(config, mnist, store, name, learner=learner, class_code=code).start().wait()
    # two runs still going, as the Leaderboard's "Training now" shows them (this process keeps them live)
    training = store.begin_run(preset("cnn"), learner=f"{99:032x}")
    store.record_progress(training, examples_seen=72_000, total_examples=180_000, train_seconds=14.0)
    Learners(store).set_nickname(f"{99:032x}", "marie")
    store.begin_run(preset("mlp"), learner=f"{98:032x}", status="queued")
    return store


def settled(page, timeout: float = 90, quiet: float = 1.0) -> None:
    """Wait until Streamlit has been idle for `quiet` seconds (no script running, every
    element's code loaded) and fonts are in."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout * 1000)
    deadline, idle_since = time.time() + timeout, None
    while time.time() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"]').count() > 0
        busy = busy or page.locator('[data-testid="stSkeleton"]').count() > 0  # an element's code still loading
        busy = busy or not page.evaluate("() => document.fonts.status === 'loaded'")
        idle_since = None if busy else idle_since or time.time()
        if idle_since and time.time() - idle_since >= quiet:
            return
        page.wait_for_timeout(200)


def draw_a_seven(page, touch: bool) -> None:
    canvas = page.get_by_test_id("stMainBlockContainer").locator("canvas").last
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    x0, y0, side = box["x"], box["y"], box["width"]
    points = [(x0 + side * (0.25 + 0.5 * t / 10), y0 + side * 0.25) for t in range(11)]
    points += [(x0 + side * (0.75 - 0.3 * t / 10), y0 + side * (0.25 + 0.55 * t / 10)) for t in range(1, 11)]
    if touch:  # the canvas listens to mouse events; chromium's touch emulation still sends them
        page.mouse.move(*points[0])
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point)
    page.mouse.up()


def shoot(page, out: Path, name: str, full: bool) -> None:
    page.screenshot(path=str(out / f"{name}.png"))
    if full:  # Streamlit scrolls inside its main area: the window grows to the page's height instead
        size = page.viewport_size
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 16_000)})
        page.wait_for_timeout(1_500)
        page.screenshot(path=str(out / f"{name}-full.png"))
        page.set_viewport_size(size)
        page.wait_for_timeout(500)
    print(f"saved {name}")


def visit(context, url: str, out: Path, suffix: str, full: bool, touch: bool) -> None:
    page = context.new_page()
    for path in ("home", "lessons", "train", "compare", "leaderboard", "class"):
        page.goto(f"{url}/{path}")
        settled(page)
        shoot(page, out, f"{path}-{suffix}", full)
    page.goto(f"{url}/lessons?lesson=03-learning-rate")  # one lesson with a chart of the learner's runs
    settled(page)
    shoot(page, out, f"lesson-{suffix}", full)
    page.goto(f"{url}/draw")
    settled(page)
    draw_a_seven(page, touch)
    page.get_by_test_id("stMetric").first.wait_for(timeout=30_000)
    settled(page)
    shoot(page, out, f"draw-{suffix}", full)
    page.get_by_role("button", name="Look inside a model reading it").click()
    page.get_by_text("your drawing").first.wait_for(timeout=30_000)
    settled(page)
    shoot(page, out, f"inside-{suffix}", full)
    for tab in ("Layer by layer", "Map of the test set", "Bend the digit"):
        page.get_by_role("radio", name=tab).click()
        settled(page)
        shoot(page, out, f"inside-{tab.split()[0].lower()}-{suffix}", full)
    page.goto(f"{url}/train?arch=mlp&epochs=3")
    settled(page)
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start").click()
    page.get_by_text("examples/s").first.wait_for(timeout=60_000)
    page.wait_for_timeout(9_000)  # a few loss points and accuracy probes
    shoot(page, out, f"train-running-{suffix}", full)
    stop = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop")
    if stop.is_enabled():  # a fast machine may have finished the run while it was shot
        stop.click()
    page.get_by_text(re.compile(r"^(Stopped by request|Finished\.)")).first.wait_for(timeout=60_000)
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m docs.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--full", action="store_true", help="also save whole-page screenshots")
    parser.add_argument("--class-only", action="store_true", help="only the Class page and its projector view")
    parser.add_argument("--leaderboard-only", action="store_true", help="only the Leaderboard")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as root:
        pretrained_store(Path(root))
        with serve_app(root, env={"DIGITS_TEACHER_KEY": TEACHER_KEY}) as url, sync_playwright() as p:
            browser = launch_chromium(p)
            for theme in THEMES:  # the wall of a classroom
                context = browser.new_context(color_scheme=theme, **PROJECTOR)
                context.add_cookies([{"name": COOKIE_NAME, "value": SECRET, "url": url}])
                page = context.new_page()
                page.goto(f"{url}/class?view=projector")
                settled(page)
                shoot(page, args.out, f"class-projector-{theme}", full=False)
                context.close()
            for size, options in SIZES.items():
                for theme in THEMES:
                    context = browser.new_context(color_scheme=theme, **options)
                    context.add_cookies([{"name": COOKIE_NAME, "value": SECRET, "url": url}])
                    suffix = f"{size}-{theme}"
                    if args.class_only or args.leaderboard_only:
                        path = "class" if args.class_only else "leaderboard"
                        page = context.new_page()
                        page.goto(f"{url}/{path}")
                        settled(page)
                        shoot(page, args.out, f"{path}-{suffix}", args.full)
                    else:
                        visit(context, url, args.out, suffix, args.full, touch=size == "phone")
                    context.close()
            browser.close()


if __name__ == "__main__":
    main()
