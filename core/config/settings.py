"""Server settings: every DIGITS_* environment variable, read and validated here alone.

`settings()` reads them all into one frozen `Settings`; a wrong value is a ConfigError
naming the variable and what it allows. The app reads them at its first page (so a
mistake shows before a learner presses Start), the CLI at its start.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from core.config.fields import ConfigError, quoted

DATA_DIR_ENV = "DIGITS_DATA_DIR"
STORE_DIR_ENV = "DIGITS_STORE_DIR"
LIVE_REFRESH_ENV = "DIGITS_LIVE_REFRESH_SECONDS"
TORCH_THREADS_ENV = "DIGITS_TORCH_THREADS"
QUEUE_SLOTS_ENV = "DIGITS_QUEUE_SLOTS"
PER_LEARNER_ENV = "DIGITS_JOBS_PER_LEARNER"
PER_ADDRESS_ENV = "DIGITS_JOBS_PER_ADDRESS"
HOSTED_ENV = "DIGITS_HOSTED"
TRUSTED_PROXY_ENV = "DIGITS_TRUSTED_PROXY"
MAX_EPOCHS_ENV = "DIGITS_MAX_EPOCHS"
MAX_CNN_CHANNELS_ENV = "DIGITS_MAX_CNN_CHANNELS"
MAX_TRAINING_SECONDS_ENV = "DIGITS_MAX_TRAINING_SECONDS"
MAX_TRAINING_MB_ENV = "DIGITS_MAX_TRAINING_MB"
QUEUE_MAX_ENV = "DIGITS_QUEUE_MAX"
STORE_MAX_RUNS_ENV = "DIGITS_STORE_MAX_RUNS"
STORE_MAX_MB_ENV = "DIGITS_STORE_MAX_MB"
TEACHER_KEY_ENV = "DIGITS_TEACHER_KEY"
DATABASE_URL_ENV = "DIGITS_DATABASE_URL"
DATABASE_PASSWORD_FILE_ENV = "DIGITS_DATABASE_PASSWORD_FILE"
RAY_ADDRESS_ENV = "DIGITS_RAY_ADDRESS"
PUBLIC_URL_ENV = "DIGITS_PUBLIC_URL"
LESSONS_DIR_ENV = "DIGITS_LESSONS_DIR"
SPEEDS_FILE_ENV = "DIGITS_SPEEDS_FILE"
LESSONS_DIR_DEFAULT = str(Path(__file__).resolve().parents[2] / "lessons")  # the project's own lessons/ folder
_PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?")
DATABASES = ("sqlite", "postgresql")   # what DIGITS_DATABASE_URL may name
# `auto` (a Ray started on this machine with `ray start`), host:port of a head, or ray://host:port (Ray Client)
_RAY_ADDRESS = re.compile(r"auto|(ray://)?[A-Za-z0-9._-]{1,253}:[0-9]{1,5}")
TEACHER_KEY_MIN = 8            # characters: a key a room full of learners cannot guess in a workshop
JOB_THREADS = 2               # torch threads of one training where the settings do not say: one slot per 2 cores
LIVE_REFRESH_DEFAULT = 1.0     # seconds between two redraws of the Train page's live view
LIVE_REFRESH_RANGE = (0.25, 10.0)

# Whole-number settings: field -> (variable, default, default when hosted, lowest, highest).
# None as a default: unset (no cap; the cores decide). The hosted defaults fit every preset
# and one-click flow (the default CNN: about 36 s, 920 MB; the default logistic: 8 epochs).
WHOLE_NUMBERS: dict[str, tuple[str, int | None, int | None, int, int]] = {
    "torch_threads": (TORCH_THREADS_ENV, None, None, 1, 256),        # CPU threads of one training
    "queue_slots": (QUEUE_SLOTS_ENV, None, None, 1, 64),             # trainings at once; None: one per 2 cores
    "jobs_per_learner": (PER_LEARNER_ENV, 1, 1, 1, 100),             # queued + running per learner
    "jobs_per_address": (PER_ADDRESS_ENV, None, 4, 1, 10_000),       # ... per client address (cookies cleared)
    "max_epochs": (MAX_EPOCHS_ENV, None, 8, 1, 1000),                # epochs one training may ask for
    "max_cnn_channels": (MAX_CNN_CHANNELS_ENV, None, 64, 1, 1024),   # widest conv layer
    "max_training_seconds": (MAX_TRAINING_SECONDS_ENV, 3_600, 300, 10, 1_000_000),  # estimated, core.training.budget
    "max_training_mb": (MAX_TRAINING_MB_ENV, 4_000, 1_500, 500, 1_000_000),         # peak memory: estimated, measured
    "queue_max": (QUEUE_MAX_ENV, 64, 16, 1, 10_000),                 # queued or running, all learners
    "store_max_runs": (STORE_MAX_RUNS_ENV, 5_000, 500, 10, 1_000_000),   # runs the store keeps
    "store_max_mb": (STORE_MAX_MB_ENV, 5_000, 1_000, 50, 1_000_000),     # megabytes of model files it keeps
}


@dataclass(frozen=True)
class Settings:
    data_dir: str = "./data"            # data root holding MNIST/raw/
    store_dir: str = "./runs"           # runs.sqlite and models/
    lessons_dir: str = LESSONS_DIR_DEFAULT  # the lesson files (core.lessons.content), read at start-up
    speeds_file: str = ""               # this machine's measured training speeds (core.training.calibration);
                                        # "": speeds.json in store_dir
    hosted: bool = False                # a public demo: tighter defaults, no paths shown
    trusted_proxy: bool = False         # behind one reverse proxy: a visitor's address is its X-Forwarded-For
    teacher_key: str = field(default="", repr=False)  # opens the teacher's page (/class); "": none
    database_url: str = field(default="", repr=False)  # the runs' database (PostgreSQL); "": SQLite in store_dir
    database_password_file: str = ""    # a file holding the database's password (a Docker or Kubernetes secret)
    ray_address: str = ""               # the Ray cluster that trains; "": this process's own queue
    public_url: str = ""                # the address learners open, for the projector's join link and QR code;
                                        # "": the one the teacher's browser opened
    live_refresh_seconds: float = LIVE_REFRESH_DEFAULT
    torch_threads: int | None = None    # None: the usable cores shared out between the slots
    queue_slots: int | None = None      # None: one per 2 usable cores, at least 1
    jobs_per_learner: int = 1
    jobs_per_address: int | None = None  # None: no bound per client address
    max_epochs: int | None = None       # None: the config's own range
    max_cnn_channels: int | None = None
    max_training_seconds: int = 3_600
    max_training_mb: int = 4_000
    queue_max: int = 64
    store_max_runs: int = 5_000
    store_max_mb: int = 5_000

    @property
    def slots(self) -> int:
        return self.queue_slots or max(1, usable_cores() // JOB_THREADS)

    @property
    def speeds_path(self) -> Path:
        return Path(self.speeds_file or Path(self.store_dir) / "speeds.json").expanduser()

    @property
    def cluster_job_threads(self) -> int:
        """CPUs each training reserves on a Ray cluster, and torch threads it trains with there."""
        return self.torch_threads or JOB_THREADS


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every setting from `environ` (default: the process environment), validated."""
    env = os.environ if environ is None else environ

    def text(name: str) -> str:
        return env.get(name, "").strip()

    is_hosted = _flag(HOSTED_ENV, text(HOSTED_ENV))
    values: dict[str, Any] = {"hosted": is_hosted, "live_refresh_seconds": _live_refresh(text(LIVE_REFRESH_ENV)),
                              "trusted_proxy": _flag(TRUSTED_PROXY_ENV, text(TRUSTED_PROXY_ENV))}
    values["teacher_key"] = _teacher_key(env.get(TEACHER_KEY_ENV, ""))
    values["database_url"] = _database_url(text(DATABASE_URL_ENV), text(DATABASE_PASSWORD_FILE_ENV))
    values["database_password_file"] = text(DATABASE_PASSWORD_FILE_ENV)
    values["ray_address"] = _ray_address(text(RAY_ADDRESS_ENV))
    values["public_url"] = _public_url(text(PUBLIC_URL_ENV))
    for key, name in (("data_dir", DATA_DIR_ENV), ("store_dir", STORE_DIR_ENV), ("lessons_dir", LESSONS_DIR_ENV),
                      ("speeds_file", SPEEDS_FILE_ENV)):
        if text(name):
            values[key] = env[name]
    for key, (name, local, public, lo, hi) in WHOLE_NUMBERS.items():
        values[key] = _whole_number(name, text(name), public if is_hosted else local, lo, hi)
    return Settings(**values)


def worker_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The DIGITS_* settings cluster workers train with: this process's limits, with the data
    and store folders as absolute paths (every worker mounts them at the same place); not the
    Ray address, and no secret (Ray shows a job's environment to whoever can see the cluster):
    the database's URL reaches each actor without its password, and the password file's path
    (not its content) tells a worker where its own copy of the secret is."""
    env = os.environ if environ is None else environ
    secret = (RAY_ADDRESS_ENV, DATABASE_URL_ENV, TEACHER_KEY_ENV)
    kept = {k: v for k, v in env.items() if k.startswith("DIGITS_") and k not in secret}
    for name, default in ((DATA_DIR_ENV, Settings.data_dir), (STORE_DIR_ENV, Settings.store_dir)):
        kept[name] = os.path.abspath(os.path.expanduser(kept.get(name) or default))
    return kept


def keep_ray_from_starting_itself() -> None:
    """Ray's API starts a local cluster when called unconnected; an app replica must never
    (Ray reads this when it is imported)."""
    os.environ.setdefault("RAY_ENABLE_AUTO_CONNECT", "0")


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data root: the explicit override, else $DIGITS_DATA_DIR, else ./data."""
    return Path(override or settings().data_dir).expanduser()


def store_dir(override: str | os.PathLike | None = None) -> Path:
    """The store folder: the explicit override, else $DIGITS_STORE_DIR, else ./runs."""
    return Path(override or settings().store_dir).expanduser()


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _whole_number(name: str, text: str, default: int | None, lo: int, hi: int) -> int | None:
    if not text:
        return default
    # ASCII digits only ("²" is a digit to str.isdigit) and few of them (int() refuses 4,300+)
    if not (text.isascii() and text.isdigit() and len(text) <= 12) or not lo <= int(text) <= hi:
        raise ConfigError(f"{name} must be a whole number in [{lo}, {hi}], got {quoted(text)}")
    return int(text)


def _live_refresh(text: str) -> float:
    """Each redraw costs the browser CPU: on a small machine that also trains, a slower
    refresh leaves more of it to training (docs/benchmarks.md has the figures)."""
    if not text:
        return LIVE_REFRESH_DEFAULT
    lo, hi = LIVE_REFRESH_RANGE
    value = _number_or_nan(text, float)
    if not lo <= value <= hi:
        raise ConfigError(f"{LIVE_REFRESH_ENV} must be a number of seconds in [{lo}, {hi}], got {quoted(text)}")
    return value


def _teacher_key(text: str) -> str:
    """The key is never echoed back: a message about it names only its length."""
    if text and (len(text) < TEACHER_KEY_MIN or text != text.strip() or not text.isprintable()):
        raise ConfigError(f"{TEACHER_KEY_ENV} must be at least {TEACHER_KEY_MIN} printable characters "
                          f"without spaces around them (got {len(text)} characters)")
    return text


def _database_url(text: str, password_file: str = "") -> str:
    """The URL holds a password, or DIGITS_DATABASE_PASSWORD_FILE names a file holding it (a
    Docker or Kubernetes secret): a message about either never repeats it."""
    if not text:
        return ""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        url = make_url(text)
        backend = url.get_backend_name()
    except (ArgumentError, ValueError):
        backend = ""
    if backend not in DATABASES:
        raise ConfigError(f"{DATABASE_URL_ENV} must be a database URL such as "
                          "postgresql+psycopg://user:password@host:5432/digits or sqlite:////path/runs.sqlite")
    if not password_file:
        return text
    return with_password(text, database_password(password_file))


def database_password(path: str) -> str:
    """The password in the file `path` names (its first line), read where it is needed."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"{DATABASE_PASSWORD_FILE_ENV} names {quoted(path)}, which cannot be read "
                          f"({exc.strerror})") from None


def with_password(url: str, password: str | None) -> str:
    """`url` with `password` (None: without any), as text SQLAlchemy and psycopg read."""
    from sqlalchemy.engine import URL, make_url
    parts = make_url(url)
    return URL.create(parts.drivername, parts.username, password or None, parts.host, parts.port, parts.database,
                      parts.query).render_as_string(hide_password=False)


def _ray_address(text: str) -> str:
    if text and not _RAY_ADDRESS.fullmatch(text):
        raise ConfigError(f"{RAY_ADDRESS_ENV} must be auto, host:port of a Ray head, or ray://host:port, "
                          f"got {quoted(text)}")
    return text


def _public_url(text: str) -> str:
    if text and not _PUBLIC_URL.fullmatch(text):
        raise ConfigError(f"{PUBLIC_URL_ENV} must be the app's address, such as https://digits.example.org, "
                          f"got {quoted(text[:80])}")
    return text.rstrip("/")


def _flag(name: str, text: str) -> bool:
    if text.lower() in ("", "0", "false", "no", "off"):
        return False
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {quoted(text)}")


def _number_or_nan(text: str, kind: Callable[[str], float]) -> float:
    try:
        return kind(text)
    except ValueError:
        return math.nan  # fails every range check, with the caller's message


# What a hosted server hides of an error: a path (its directories) and a library's error (its
# class and words); a path's lookbehind spares URLs and words such as "train/test".
_PATH = re.compile(r"(?<![\w.~/:-])/[^\s'\"(),;]+")
_DATABASE_URL = re.compile(r"\b(?:postgresql|sqlite)[\w+]*://[^\s'\"(),;]*")
_LIBRARY_ERROR = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b.*", re.S)


def hosted_text(text: str) -> str:
    """An error message as a hosted server shows it: a path keeps its last name only, a
    database's URL becomes "its database", and a library's error (its class name and what
    follows) becomes "details hidden on this server"."""
    text = _LIBRARY_ERROR.sub("details hidden on this server", str(text))
    text = _DATABASE_URL.sub("its database", text)  # the server's address and user stay private

    def last_name(found: re.Match) -> str:
        path = found.group(0)
        stop = path[len(path.rstrip(".")):]  # a sentence's full stop is not the path's
        return (Path(path.rstrip("./")).name or "a server folder") + stop

    return _PATH.sub(last_name, text)
