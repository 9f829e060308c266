"""The words the app teaches, explained where the learner meets them: under a lesson's card, and
beside the settings and charts that use them. The paragraphs are written once, in the lessons
folder's glossary.md (core.lessons.content)."""
from __future__ import annotations

import streamlit as st

from ui.resources import lesson_catalogue


def explain(word: str, glossary: dict[str, str] | None = None) -> None:
    """A folded "What does “epoch” mean?" with the glossary's paragraph; nothing for an unknown word."""
    glossary = lesson_catalogue().glossary if glossary is None else glossary
    if word in glossary:
        with st.expander(f"What does “{word}” mean?"):
            st.markdown(glossary[word])


def what_is(*words: str, where=None) -> None:
    """A "What is this?" button beside a control or a chart: the glossary's paragraphs for `words`."""
    glossary = lesson_catalogue().glossary
    known = [word for word in words if word in glossary]
    if not known:
        return
    with (where or st).popover("What is this?", icon="💡"):
        for word in known:
            st.markdown(f"**{word.capitalize()}.** {glossary[word]}")
