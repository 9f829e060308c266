"""Text for the page: a visitor's words made safe for markdown, and numbers in words."""
from __future__ import annotations

import re

from core.config.settings import hosted_text, settings
from core.models.architectures import ARCHITECTURES

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&=\"'])")  # every character markdown could act on


_AUTOLINKS = re.compile(r"(?i)(://|www\.|@)")  # where markdown would turn bare text into a link
WORD_JOINER = "\u2060"  # invisible, and no autolink spans it


def plain(text: object) -> str:
    """Text that may hold a visitor's words, made safe to show inside st.markdown/st.warning:
    every character markdown (and Streamlit's :colour[...] directives) could act on is
    escaped, bare URLs and e-mail addresses are kept from becoming links, and line breaks
    become spaces. No link, image or HTML can come out of it."""
    text = _AUTOLINKS.sub(lambda m: m.group(1)[0] + WORD_JOINER + m.group(1)[1:], " ".join(str(text).split()))
    return _MARKDOWN.sub(r"\\\1", text)


def told(error: object) -> str:
    """An error's words for the page, as plain(): on a hosted server without server paths or
    library messages (core.config.settings.hosted_text)."""
    try:
        hosted = settings().hosted
    except Exception:  # a misconfigured server says so elsewhere; hide what it would
        hosted = True
    return plain(hosted_text(str(error)) if hosted else error)


EVERYONE_LABEL = "Everyone's runs on this server"  # the toggle beside a learner's own runs
EVERYONE_HELP = "Off: only the runs you trained in this browser."
STOP_SEQUENCE_HELP = "Stops the model in training and cancels the ones still waiting."

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def train_all_label() -> str:
    """ "Train all three" while three architectures are registered, "Train all four" with four."""
    count = len(ARCHITECTURES)
    return f"Train all {_NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else count}"
