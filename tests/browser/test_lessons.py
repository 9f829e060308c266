"""Journey: a new learner walks from Home through the first three lessons, doing each task for
real on the real digits, and sees each tick appear where it was done and on the Lessons page;
a reload keeps them."""
import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt").expect
pytestmark = pytest.mark.real_data

TICK_WITHIN_MS = 30_000  # a training's end, then the page's rerun that ticks it


def main(page):
    return page.get_by_test_id("stMainBlockContainer")


def toast(page, lesson: int, task_text: str):
    """The toast of one task's tick (an earlier one may still be on the screen)."""
    return page.get_by_test_id("stToast").filter(has_text=f"Lesson {lesson}, task done: {task_text}")


def train_from_the_task(page, task: int, lesson: int, task_text: str) -> None:
    """Follow a lesson's task link to Train, press Start and see the tick when the run ends."""
    main(page).get_by_role("link", name=f"Task {task}: open Train").click()
    start = main(page).get_by_role("button", name="Start")
    expect(start).to_be_enabled(timeout=30_000)
    start.click()
    expect(toast(page, lesson, task_text)).to_be_visible(timeout=180_000)


def open_lesson(page, number: int) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Lessons").click()
    choice = main(page).get_by_role("combobox", name=re.compile("Lesson"))
    expect(choice).to_be_visible(timeout=30_000)
    choice.click()
    page.get_by_role("option", name=re.compile(f"^{number}\\. ")).click()
    expect(main(page).get_by_role("heading", name=re.compile(f"^{number}\\. "))).to_be_visible(timeout=30_000)


def test_a_new_learner_walks_the_first_three_lessons_and_the_ticks_stay(app_server, page):
    page.goto(f"{app_server}/home")
    main(page).get_by_role("link", name=re.compile("Start with the Lessons")).click()
    expect(main(page).get_by_role("heading", name="1. The data: 70,000 small pictures")).to_be_visible(timeout=30_000)

    # Lesson 1: another sample of training digits on Home
    main(page).get_by_role("link", name="Task 1: open Home").click()
    sample = main(page).get_by_role("spinbutton", name="Sample")
    sample.fill("4")
    sample.press("Enter")
    expect(toast(page, 1, "On Home, change Sample")).to_be_visible(timeout=TICK_WITHIN_MS)
    open_lesson(page, 1)
    expect(main(page).get_by_text(re.compile("Done: On Home, change Sample"))).to_be_visible()

    # Lesson 2: logistic regression with the tutorial's settings, then its weight pictures on Inside
    open_lesson(page, 2)
    train_from_the_task(page, 1, 2, "Train logistic regression with the tutorial's settings")
    assert "preset" not in page.url and "batch_size=100" in page.url  # the tutorial's batch, in the form's address
    open_lesson(page, 2)
    main(page).get_by_role("link", name="Task 2: open Inside").click()
    expect(main(page).get_by_role("radio", name="What it looks for")).to_be_checked(timeout=30_000)
    expect(toast(page, 2, "On Inside, open What it looks for")).to_be_visible(timeout=TICK_WITHIN_MS)
    open_lesson(page, 2)
    expect(main(page).get_by_text("Your tasks: 2 of 2 done")).to_be_visible()

    # Lesson 3: a rate that crawls, one that diverges, one that works
    for task, text in enumerate(("A rate that crawls", "A rate that diverges", "A rate that works"), 1):
        open_lesson(page, 3)
        train_from_the_task(page, task, 3, text)
    open_lesson(page, 3)
    expect(main(page).get_by_text("Your tasks: 3 of 3 done")).to_be_visible()

    page.reload()  # the ticks hang off the browser's identity, not the session
    choice = main(page).get_by_role("combobox", name=re.compile("Lesson"))
    expect(choice).to_be_visible(timeout=30_000)
    choice.click()
    for number in (1, 2, 3):
        expect(page.get_by_role("option", name=re.compile(f"^{number}\\. .* · ✅$"))).to_be_visible()
    expect(page.get_by_role("option", name=re.compile(r"^4\. .* · 0\/2$"))).to_be_visible()
