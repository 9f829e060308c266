"""Lessons are content: one Markdown file each in the lessons folder ($DIGITS_LESSONS_DIR,
default lessons/), read once at start-up, in file-name order.

A lesson file opens with TOML front matter between two `+++` lines (its title, picture,
question, answer and tasks), then the concept card in Markdown. `glossary.md` in the same
folder explains the words the lessons and the Train form use, one `## word` section each.
A file that cannot be read becomes one sentence naming it and the line; the other lessons
go on. docs/lessons.md describes the format with a complete example.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import tomllib

from core.config.fields import ConfigError
from core.lessons.tasks import check_params
from core.training.config import from_query

FENCE = "+++"
GLOSSARY_FILE = "glossary.md"
LINK_PAGES = ("home", "lessons", "train", "compare", "draw", "inside", "leaderboard")  # a task's link opens one
PICTURES = {  # what a lesson's `picture` may name: drawn from the app's data and the learner's runs (ui/lessons.py)
    "pixels": "one training digit as its 28×28 grid of pixel values",
    "samples": "a grid of training digits with their labels",
    "average_digits": "the average training image of each digit, 0 to 9",
    "my_curves": "the test accuracy of the learner's runs as they trained",
    "edges": "a training digit and what a 3×3 edge filter finds in it",
    "my_best": "the learner's best test accuracy for each architecture",
}
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
NOT_COMPARED = ("seed", "device", "log_every", "test_every")  # as_linked: what a run may change freely
_FRONT_KEYS = {"title", "summary", "picture", "terms", "question", "answer", "task"}


class LessonError(ValueError):
    """What is wrong with a lesson file, at a line of it."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


@dataclass(frozen=True)
class Task:
    number: int                    # 1, 2, … within its lesson
    kind: str                      # a key of core.lessons.tasks.TASK_KINDS
    text: str                      # what the learner is asked to do
    params: dict[str, Any]         # the kind's thresholds and filters
    page: str = ""                 # the page its link opens (one of LINK_PAGES), "" for none
    query: dict[str, str] = field(default_factory=dict)  # the link's settings: ?arch=mlp&preset=tutorial


@dataclass(frozen=True)
class Lesson:
    lesson_id: str                 # the file's name without .md, e.g. "02-logistic-regression"
    title: str
    summary: str                   # one line on the path
    card: str                      # the concept card, Markdown
    picture: str = ""              # a key of PICTURES, or ""
    terms: tuple[str, ...] = ()    # glossary words the card explains below itself
    question: str = ""             # to think about, with its answer revealed on request
    answer: str = ""
    tasks: tuple[Task, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    lessons: tuple[Lesson, ...]
    problems: tuple[str, ...]      # one sentence per file that could not be read
    glossary: dict[str, str]       # word → its paragraph

    def lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.lesson_id == lesson_id), None)

    def number(self, lesson_id: str) -> int:
        """1 for the first lesson of the path."""
        return next(i for i, lesson in enumerate(self.lessons, 1) if lesson.lesson_id == lesson_id)


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body) of a lesson file's text."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise LessonError(f"a lesson starts with a line of {FENCE}, then its settings", 1)
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == FENCE), None)
    if end is None:
        raise LessonError(f"the settings at the top have no closing line of {FENCE}", len(lines))
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1:]).strip()


def _text(front: dict[str, Any], key: str, line: int, required: bool = False) -> str:
    value = front.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(f"`{key}` must be {'some ' if required else ''}text in quotes", line)
    return value.strip()


def _link(text: str, line: int) -> tuple[str, dict[str, str]]:
    parts = urlsplit(text)
    page = parts.path.strip("/")
    if parts.scheme or parts.netloc or page not in LINK_PAGES:
        raise LessonError(f"a task's link is a page of the app such as /train?arch=mlp, one of "
                          f"{', '.join('/' + p for p in LINK_PAGES)}; not {text!r}", line)
    return page, dict(parse_qsl(parts.query))


def _task(number: int, table: Any, line: int) -> Task:
    if not isinstance(table, dict):
        raise LessonError("each [[task]] is a table of settings", line)
    kind, link = table.get("kind"), table.get("link", "")
    if not isinstance(kind, str):
        raise LessonError("a task needs `kind`, the kind of check, in quotes", line)
    text = _text(table, "text", line, required=True)
    if not isinstance(link, str):
        raise LessonError("a task's `link` is text in quotes", line)
    params = {k: v for k, v in table.items() if k not in ("kind", "text", "link")}
    problem = check_params(kind, params)
    if problem:
        raise LessonError(problem, line)
    page, query = _link(link, line) if link else ("", {})
    if params.pop("as_linked", False):
        params["settings"] = _linked_settings(page, query, line)
    return Task(number, kind, text, params, page, query)


def _linked_settings(page: str, query: dict[str, str], line: int) -> dict[str, Any]:
    """The training settings a Train link fills in, which an `as_linked` task's run must have
    (its seed, device and measurement intervals aside)."""
    if page != "train":
        raise LessonError("`as_linked` checks the settings of a link to /train, and this task has none", line)
    try:
        config = from_query(query)
    except ConfigError as exc:
        raise LessonError(f"the link's settings are not valid: {exc}", line) from None
    return {name: value for name, value in config.to_dict().items() if name not in NOT_COMPARED}


def parse_lesson(lesson_id: str, text: str, glossary: dict[str, str] | None = None) -> Lesson:
    """A lesson from its file's text; a LessonError with the line of what is wrong."""
    matter, card = split_front_matter(text)
    try:
        front = tomllib.loads(matter)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) + 1 if found else 1
        why = _TOML_LINE.sub("", str(exc)).strip().rstrip(".").lower()
        raise LessonError(f"its settings are not valid TOML ({why}): check the quotes and the = signs", line) from None
    lines = matter.splitlines()
    line_of = {key: next((i + 2 for i, text in enumerate(lines) if text.strip().startswith(key)), 1) for key in front}
    unknown = sorted(set(front) - _FRONT_KEYS)
    if unknown:
        raise LessonError(f"a lesson has no setting {unknown[0]!r} (it has {', '.join(sorted(_FRONT_KEYS))})",
                          line_of[unknown[0]])
    picture, terms = _text(front, "picture", line_of.get("picture", 1)), front.get("terms", [])
    if picture and picture not in PICTURES:
        raise LessonError(f"`picture` must be one of {', '.join(PICTURES)}, not {picture!r}", line_of["picture"])
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise LessonError("`terms` is a list of words in quotes, such as [\"epoch\", \"batch\"]", line_of["terms"])
    missing = [t for t in terms if glossary is not None and t.lower() not in glossary]
    if missing:
        raise LessonError(f"the word {missing[0]!r} is not explained in {GLOSSARY_FILE}", line_of["terms"])
    task_lines = [i + 2 for i, text in enumerate(lines) if text.strip() == "[[task]]"]
    tables = front.get("task", [])
    if not isinstance(tables, list) or not tables:
        raise LessonError("a lesson needs at least one [[task]]", len(lines) + 2)
    tasks = tuple(_task(n, table, task_lines[n - 1] if n <= len(task_lines) else 1)
                  for n, table in enumerate(tables, 1))
    question = _text(front, "question", line_of.get("question", 1))
    answer = _text(front, "answer", line_of.get("answer", 1), required=bool(question))
    return Lesson(lesson_id, _text(front, "title", line_of.get("title", 1), required=True),
                  _text(front, "summary", line_of.get("summary", 1)), card, picture,
                  tuple(t.lower() for t in terms), question, answer, tasks)


def parse_glossary(text: str) -> dict[str, str]:
    """word → paragraph, from `## word` sections."""
    words: dict[str, str] = {}
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        word, _, paragraph = section.partition("\n")
        words[word.strip().lower()] = paragraph.strip()
    return words


def load_lessons(folder: str | Path) -> Catalogue:
    """Every lesson of `folder`, in file-name order, and a sentence for each file that failed."""
    folder = Path(folder)
    problems: list[str] = []
    glossary: dict[str, str] = {}
    if (folder / GLOSSARY_FILE).is_file():
        glossary = parse_glossary((folder / GLOSSARY_FILE).read_text(encoding="utf-8"))
    lessons = []
    files = sorted(p for p in folder.glob("*.md") if p.name != GLOSSARY_FILE) if folder.is_dir() else []
    for path in files:
        try:
            lessons.append(parse_lesson(path.stem, path.read_text(encoding="utf-8"), glossary))
        except LessonError as exc:
            problems.append(f"The lesson file {path.name} could not be read: line {exc.line}: {exc.reason}.")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"The lesson file {path.name} could not be read ({type(exc).__name__}).")
    if not folder.is_dir():
        problems.append(f"There is no lessons folder at {folder}.")
    return Catalogue(tuple(lessons), tuple(problems), glossary)
