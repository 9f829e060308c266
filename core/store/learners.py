"""Who a learner is: a browser, known by a random secret it keeps in a cookie.

The secret never leaves the browser and the server's memory: the store keeps only
`learner_id(secret)`, so a copy of the database (or a leaderboard tag) cannot be
turned back into a cookie. The nickname is a display name and nothing more: two
browsers may type the same one, and each still sees only its own runs and jobs.
"""
from __future__ import annotations

import hashlib
import re
import time
import unicodedata

from core.store.runs import RunStore
from core.store.schema import learners as learners_table

COOKIE_NAME = "digits_learner"
COOKIE_DAYS = 365          # a learner who comes back within a year is recognised
NICKNAME_MAX = 30          # characters
ANONYMOUS = "anonymous"    # how a learner without a nickname is shown
TAG_LENGTH = 3             # hex digits shown after a nickname two learners share
_TAG_LOOKALIKES = str.maketrans({dot: "-" for dot in "·•∙⋅・‧"})
_SECRET = re.compile(r"[0-9a-f]{32}")  # 128 random bits, as the browser makes them


def is_secret(text: object) -> bool:
    """Whether a cookie value has the shape of a secret this app hands out."""
    return isinstance(text, str) and _SECRET.fullmatch(text) is not None


def learner_id(secret: str) -> str:
    """The learner's id in the store: a one-way function of the browser's secret."""
    if not is_secret(secret):
        raise ValueError("not a learner secret")
    return hashlib.sha256(f"digits-dashboard learner {secret}".encode()).hexdigest()[:32]


def visitor_address(peer: str | None, forwarded_for: str | None = None, trusted_proxy: bool = False) -> str:
    """The client address the rate limits and the queue's fair share count as one visitor: the
    connection's peer; behind a trusted reverse proxy, the address that proxy appended last to
    X-Forwarded-For (earlier entries are whatever the visitor sent, so never trusted). '' when
    unknown (AppTest, a proxy that forwarded nothing)."""
    if trusted_proxy:
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        return hops[-1][:64] if hops else ""
    return (peer or "")[:64]


def clean_nickname(text: str) -> str:
    """A nickname as kept: no control or invisible characters, single spaces, at most
    NICKNAME_MAX, and no dot of the kind display_names puts before a tag, so nobody can
    type themselves into looking like "ada · 3f2"."""
    visible = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text))
    visible = visible.translate(_TAG_LOOKALIKES)
    return " ".join(visible.split())[:NICKNAME_MAX].strip()


def display_names(nicknames: dict[str, str]) -> dict[str, str]:
    """learner id → what others see: the nickname, with a short tag ("ada · 3f2") where
    several learners share it, "anonymous · 9c1" for those who chose none."""
    groups: dict[str, list[str]] = {}
    for learner, nickname in nicknames.items():
        groups.setdefault(nickname or ANONYMOUS, []).append(learner)
    names = {}
    for name, learners in groups.items():
        if len(learners) == 1 and name != ANONYMOUS:
            names[learners[0]] = name
            continue
        length = TAG_LENGTH  # the shortest prefix that tells this group's learners apart
        while len({learner[:length] for learner in learners}) < len(learners):
            length += 1
        names.update({learner: f"{name} · {learner[:length]}" for learner in learners})
    return names


class Learners:
    """Nicknames of the learners, in a table beside the runs in `store`'s database."""

    def __init__(self, store: RunStore) -> None:
        self._store = store
        store.ensure_table(learners_table)

    def nickname(self, learner: str) -> str:
        rows = self._store.execute("SELECT nickname FROM learners WHERE learner=:learner", {"learner": learner})
        return rows[0]["nickname"] if rows else ""

    def set_nickname(self, learner: str, nickname: str) -> str:
        """Keep `nickname` (cleaned) for `learner`; returns what was kept."""
        kept, now = clean_nickname(nickname), time.time()
        self._store.execute(
            "INSERT INTO learners (learner, nickname, created_at, updated_at) VALUES (:learner, :nickname, :now, :now) "
            "ON CONFLICT(learner) DO UPDATE SET nickname=excluded.nickname, updated_at=excluded.updated_at",
            {"learner": learner, "nickname": kept, "now": now})
        return kept

    def nicknames(self) -> dict[str, str]:
        """Every learner who ever chose a nickname (or cleared one)."""
        return {row["learner"]: row["nickname"] for row in self._store.execute("SELECT * FROM learners")}

    def display_names(self, learners: set[str] | list[str] = ()) -> dict[str, str]:
        """display_names() over the known nicknames plus `learners` (who may have none)."""
        known = self.nicknames()
        return display_names({**{learner: "" for learner in learners if learner}, **known})
