"""Classes: a teacher's workshop, which learners join with a short code.

A class has its own leaderboard, teacher's page and export, so two workshops on one
server never mix. It lives in the store's database beside the runs (a run keeps the code
of the class it was trained in), so a reload, a new tab or a restarted server finds the
same class and members. Archiving starts a new round: the leaderboard starts empty and
every run and model of the earlier rounds stays where it was.

Who is a teacher is decided by the server's key ($DIGITS_TEACHER_KEY): a browser that
typed it once is remembered by a digest of the key, so changing the key signs every
teacher out.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlsplit

from core.config.fields import ConfigError, quoted
from core.store import schema
from core.store.learners import clean_nickname
from core.store.runs import RunStore
from core.training.config import TrainConfig

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read off a projector
CODE_LENGTH = 6                                     # 32^6: a billion codes, none guessable in a workshop
JOIN_PARAM = "join"                                 # ?join=CODE: the address that joins a class on opening
TITLE_MAX = 60                                      # characters
CAP_MAX = 1_000                                     # trainings per round a cap may allow
SETUP_MODES = ("suggest", "lock")                   # the teacher's setup: a starting point, or fixed
# Wrong guesses in any minute: one browser over its count is refused for the rest of the minute
# (only the guesser: a correct key from it cannot be told from a lucky guess); one client address
# over its count, all its browsers together, is slowed to one try at a time, never refused, so a
# teacher behind the same school router as a guesser still gets in, seconds later.
WRONG_KEYS = {"browser": 10, "address": 30}
WRONG_CODES = {"browser": 30, "address": 200}
SLOWED_TRY_SECONDS = 2.0                            # one try from an address over its count
KEY_ROUNDS = 200_000                                # PBKDF2 rounds: a stolen database guesses keys slowly
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassInfo:
    code: str
    title: str
    created_at: float
    round: int
    round_started_at: float
    setup: TrainConfig | None   # what the teacher set for everyone, if anything
    setup_mode: str             # "suggest" or "lock" ("" without a setup)


def app_address(page_url: str, page_path: str) -> str:
    """The app's own address from the address of one of its pages ("http://host:8501/class?x"
    with page "class" → "http://host:8501")."""
    parts = urlsplit(page_url)
    path = parts.path.rstrip("/")
    path = path[: -len(page_path) - 1] if path.endswith("/" + page_path) else path
    return f"{parts.scheme}://{parts.netloc}{path}"


def join_link(address: str, code: str) -> str:
    """What a learner opens, or scans off the projector, to join the class `code`."""
    return f"{address.rstrip('/')}/?{JOIN_PARAM}={code}"


def normal_code(text: object) -> str:
    """A typed code as kept: upper case, without spaces or dashes ("k7m-q2x" → "K7MQ2X")."""
    return "".join(str(text).split()).replace("-", "").upper()


def is_code(text: str) -> bool:
    return len(text) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in text)


@functools.lru_cache(maxsize=2)  # the server's key, checked on every teacher page run
def _server_key_digest(key: str) -> str:
    return key_digest(key)


def key_digest(key: str) -> str:
    """PBKDF2 of the key: about 0.1 s, so neither a visitor nor a copy of the database
    tries keys quickly."""
    return hashlib.pbkdf2_hmac("sha256", str(key).encode(), b"digits-dashboard teacher", KEY_ROUNDS).hex()


def key_matches(typed: str, key: str) -> bool:
    """Constant time in what was typed: the digests are compared, never the texts."""
    return bool(key) and hmac.compare_digest(key_digest(str(typed)), _server_key_digest(key))


class RateLimited(RuntimeError):
    """Too many wrong guesses in the last minute: the message says to wait, and for what."""


class GuessLimit:
    """Wrong guesses of one kind (teacher keys, class codes) in the last minute, counted per
    browser (learner id) and per client address; see WRONG_KEYS for what each count does."""

    def __init__(self, what: str, per: dict[str, int], window: float = 60.0) -> None:
        self.what, self.per, self.window = what, dict(per), window
        self._wrong: dict[tuple[str, str], deque] = {}
        self._turns: dict[str, threading.Lock] = {}  # one try at a time from a slowed address
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def attempt(self, browser: str, address: str) -> Iterator[None]:
        """Around one check of a typed guess: RateLimited for a browser over its count; a
        slowed turn for an address over its count."""
        with self._lock:
            if browser and self._count("browser", browser) >= self.per["browser"]:
                raise RateLimited(f"Too many wrong {self.what} from this browser in the last minute: "
                                  "try again in a minute")
            slowed = bool(address) and self._count("address", address) >= self.per["address"]
            turn = self._turns.setdefault(address, threading.Lock()) if slowed else None
        if turn is None:
            yield
            return
        with turn:
            time.sleep(SLOWED_TRY_SECONDS)
            yield

    def wrong(self, browser: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (("browser", browser), ("address", address)):
                if key[1]:
                    self._wrong.setdefault(key, deque()).append(now)
            if len(self._wrong) > 10_000:  # many browsers: forget the ones without a recent guess
                for key in [k for k in self._wrong if not self._count(*k)]:
                    del self._wrong[key]

    def _count(self, kind: str, who: str) -> int:  # with self._lock held
        times = self._wrong.get((kind, who))
        while times and times[0] < time.monotonic() - self.window:
            times.popleft()
        return len(times) if times else 0


class Classes:
    """The classes, their members and the teachers, in `store`'s database."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.wrong_keys = GuessLimit("teacher keys", WRONG_KEYS)
        self.wrong_codes = GuessLimit("class codes", WRONG_CODES)
        for table in (schema.classes, schema.class_members, schema.class_caps, schema.class_wall_names,
                      schema.teachers):
            store.ensure_table(table)

    # -- teachers -------------------------------------------------------------------
    def sign_in(self, learner: str, typed: str, key: str, address: str = "") -> bool:
        """Remember `learner` as a teacher if `typed` is the server's key. Wrong keys are
        limited per browser and per client `address` (WRONG_KEYS): RateLimited for a browser
        over its count."""
        with self.wrong_keys.attempt(learner, address):
            if not key_matches(typed, key):
                self.wrong_keys.wrong(learner, address)
                return False
        self.store.execute("INSERT INTO teachers (learner, key_digest, since) VALUES (:learner, :digest, :now) "
                           "ON CONFLICT(learner) DO UPDATE SET key_digest=excluded.key_digest",
                           {"learner": learner, "digest": _server_key_digest(key), "now": time.time()})
        return True

    def is_teacher(self, learner: str, key: str) -> bool:
        rows = self.store.execute("SELECT key_digest FROM teachers WHERE learner=:learner", {"learner": learner})
        return bool(key and rows) and hmac.compare_digest(rows[0]["key_digest"], _server_key_digest(key))

    def sign_out(self, learner: str) -> None:
        self.store.execute("DELETE FROM teachers WHERE learner=:learner", {"learner": learner})

    # -- classes --------------------------------------------------------------------
    def start_class(self, title: str = "") -> str:
        """A new class with a fresh code; returns the code."""
        kept = " ".join(str(title).split())[:TITLE_MAX]
        while True:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if not self.store.execute("SELECT code FROM classes WHERE code=:code", {"code": code}):
                break
        now = time.time()
        self.store.execute("INSERT INTO classes (code, title, created_at, round_started_at) "
                           "VALUES (:code, :title, :now, :now)", {"code": code, "title": kept, "now": now})
        return code

    def info(self, code: str) -> ClassInfo | None:
        rows = self.store.execute("SELECT * FROM classes WHERE code=:code", {"code": code})
        if not rows:
            return None
        row = rows[0]
        try:
            setup = json.loads(row["setup_json"]) if row["setup_json"] else None
            config, mode = (TrainConfig.from_dict(setup["config"]), setup["mode"]) if setup else (None, "")
        except (ValueError, KeyError, TypeError):  # a setup this version cannot read: the class goes on without
            log.warning("class %s: its setup cannot be read; ignored", code, exc_info=True)
            config, mode = None, ""
        return ClassInfo(row["code"], row["title"], row["created_at"], row["round"], row["round_started_at"],
                         config, mode)

    def all_classes(self) -> list[ClassInfo]:
        """Newest first."""
        rows = self.store.execute("SELECT code FROM classes ORDER BY created_at DESC")
        return [info for row in rows if (info := self.info(row["code"])) is not None]

    def archive(self, code: str) -> int:
        """Start the class's next round: an empty leaderboard, every earlier run kept. Returns it."""
        self.store.execute("UPDATE classes SET round=round+1, round_started_at=:now WHERE code=:code",
                           {"now": time.time(), "code": code})
        return self.info(code).round

    def set_setup(self, code: str, config: TrainConfig | None, mode: str = "suggest") -> None:
        """What every learner of the class starts from ("suggest") or must train ("lock"); None: free."""
        if mode not in SETUP_MODES:
            raise ConfigError(f"a class setup is one of {list(SETUP_MODES)}, got {quoted(mode)}")
        setup = json.dumps({"config": config.to_dict(), "mode": mode}) if config is not None else ""
        self.store.execute("UPDATE classes SET setup_json=:setup WHERE code=:code", {"setup": setup, "code": code})

    # -- members --------------------------------------------------------------------
    def join(self, learner: str, typed: str, address: str = "") -> ClassInfo:
        """Put `learner` in the class of a typed code (leaving any other); a wrong code is a
        ConfigError, limited per browser and per client `address` (WRONG_CODES): RateLimited
        for a browser over its count."""
        code = normal_code(typed)
        with self.wrong_codes.attempt(learner, address):
            found = self.info(code) if is_code(code) else None
            if found is None:
                self.wrong_codes.wrong(learner, address)
        if found is None:
            raise ConfigError(f"There is no class with the code {quoted(str(typed)[:20])}: check it with your "
                              "teacher")
        self.store.execute("INSERT INTO class_members (learner, code, joined_at) VALUES (:learner, :code, :now) "
                           "ON CONFLICT(learner) DO UPDATE SET code=excluded.code, joined_at=excluded.joined_at",
                           {"learner": learner, "code": code, "now": time.time()})
        return found

    def leave(self, learner: str) -> None:
        self.store.execute("DELETE FROM class_members WHERE learner=:learner", {"learner": learner})

    def class_of(self, learner: str) -> str:
        """The code of the learner's class, '' when they are in none."""
        rows = self.store.execute("SELECT code FROM class_members WHERE learner=:learner",
                                  {"learner": learner}) if learner else []
        return rows[0]["code"] if rows else ""

    def members(self, code: str) -> dict[str, int | None]:
        """learner id → their cap (None: no cap), in the order they joined."""
        rows = self.store.execute(
            "SELECT m.learner, c.cap FROM class_members m LEFT JOIN class_caps c ON c.code=m.code AND "
            "c.learner=m.learner WHERE m.code=:code ORDER BY m.joined_at", {"code": code})
        return {row["learner"]: row["cap"] for row in rows}

    def set_cap(self, code: str, learner: str, cap: int | None) -> None:
        """At most `cap` trainings per round for one learner of the class (None lifts it)."""
        if cap is not None and not (isinstance(cap, int) and 0 <= cap <= CAP_MAX):
            raise ConfigError(f"a cap is a whole number of trainings in [0, {CAP_MAX}], got {quoted(cap)}")
        if cap is None:
            self.store.execute("DELETE FROM class_caps WHERE code=:code AND learner=:learner",
                               {"code": code, "learner": learner})
        else:
            self.store.execute("INSERT INTO class_caps (code, learner, cap) VALUES (:code, :learner, :cap) "
                               "ON CONFLICT(code, learner) DO UPDATE SET cap=excluded.cap",
                               {"code": code, "learner": learner, "cap": cap})

    def cap_of(self, learner: str) -> int | None:
        """The cap of the learner in their class now (None: none)."""
        rows = self.store.execute("SELECT c.cap FROM class_members m JOIN class_caps c ON c.code=m.code AND "
                                   "c.learner=m.learner WHERE m.learner=:learner", {"learner": learner})
        return rows[0]["cap"] if rows else None

    def set_wall_name(self, code: str, learner: str, shown_as: str | None) -> None:
        """What the projector calls one learner of the class: `shown_as` (cleaned as a nickname
        is), '' to hide their nickname, None to show it again."""
        self.store.execute("DELETE FROM class_wall_names WHERE code=:code AND learner=:learner",
                           {"code": code, "learner": learner})
        if shown_as is not None:
            self.store.execute("INSERT INTO class_wall_names (code, learner, shown_as) VALUES (:code, :learner, :name)",
                               {"code": code, "learner": learner, "name": clean_nickname(shown_as)})

    def wall_names(self, code: str) -> dict[str, str]:
        """learner id → the teacher's name for them on the projector ('' hides theirs)."""
        rows = self.store.execute("SELECT learner, shown_as FROM class_wall_names WHERE code=:code", {"code": code})
        return {row["learner"]: row["shown_as"] for row in rows}

    def runs_this_round(self, code: str, learner: str | None = None, **filters: Any):
        """The runs of the class's current round (newest first), of one learner if given."""
        found = self.info(code)
        if found is None:
            return []
        return self.store.list_runs(class_code=code, since=found.round_started_at, learner=learner, **filters)
