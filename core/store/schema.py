"""The store's tables, in SQLAlchemy Core: the same schema on SQLite and PostgreSQL.

core.store.runs.RunStore creates each table the first time it is used and adds the columns
newer than the database (`server_default` gives old rows their value), the same way on
both databases. Times are seconds since the epoch, as doubles: PostgreSQL's REAL is a
float4 and would round them to minutes.
"""
from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Double,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

metadata = MetaData()


def _text(name: str, default: str = "", **kw) -> Column:
    return Column(name, Text, nullable=False, server_default=default, **kw)


runs = Table(
    "runs", metadata,
    Column("run_id", Text, primary_key=True),
    Column("arch", Text, nullable=False),
    _text("dataset", "mnist"),          # older runs are MNIST's
    Column("status", Text, nullable=False),   # a core.training.status.Status
    _text("message"),
    _text("nickname"),
    _text("learner"),                   # core.store.learners.learner_id of the browser that started it ('' for the CLI)
    _text("class_code"),                # the class (core.classroom.classes) it was trained in; '' for none
    Column("process", Text, nullable=False),  # who trains it: a core.store.process_locks token (a cluster worker's once it claims the run)
    Column("created_at", Double, nullable=False),
    Column("waiting_since", Double),    # when a replica put it in line for a turn on the cluster (core.store.shared_queue)
    Column("dispatched_at", Double),    # when a replica gave it its turn
    Column("finished_at", Double),
    Column("config_json", Text, nullable=False),
    _text("history_json", "{}"),
    Column("train_seconds", Double),
    Column("examples_seen", Integer),
    Column("total_examples", Integer),  # what it will have seen when done; with examples_seen, its progress
    Column("trainings_at_once", Double),  # trainings its process ran side by side, on average
    Column("test_accuracy", Double),
    Column("test_loss", Double),
    Column("bent_accuracy", Double),    # on the bent test digits, measured once after training; NULL for older runs
    Column("param_count", Integer),
    Column("model_file", Text),         # relative to the store root; NULL when no weights were kept
)

held_classes = Table(  # classes whose waiting trainings a teacher holds back, on every replica
    "held_classes", metadata,
    Column("class_code", Text, primary_key=True),
    Column("held_at", Double, nullable=False),
)

learners = Table(
    "learners", metadata,
    Column("learner", Text, primary_key=True),   # learner_id(browser secret)
    _text("nickname"),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
)

drawings = Table(
    "drawings", metadata,
    Column("drawing_id", Integer, primary_key=True, autoincrement=True),
    Column("label", Integer, CheckConstraint("label BETWEEN 0 AND 9"), nullable=False),
    Column("image", LargeBinary, nullable=False),  # 28 x 28 uint8, row-major, 255 = ink
    _text("nickname"),
    _text("learner"),                   # the browser that drew it; older drawings are nobody's
    Column("created_at", Double, nullable=False),
)

classes = Table(
    "classes", metadata,
    Column("code", Text, primary_key=True),
    _text("title"),
    Column("created_at", Double, nullable=False),
    Column("round", Integer, nullable=False, server_default="1"),  # archiving starts the next one
    Column("round_started_at", Double, nullable=False),  # the leaderboard holds the runs from here on
    _text("setup_json"),  # {"config": TrainConfig.to_dict(), "mode": "suggest"|"lock"} or ''
)

class_members = Table(
    "class_members", metadata,
    Column("learner", Text, primary_key=True),   # a learner is in one class at a time
    Column("code", Text, nullable=False),
    Column("joined_at", Double, nullable=False),
)

class_caps = Table(
    "class_caps", metadata,
    Column("code", Text, nullable=False),
    Column("learner", Text, nullable=False),     # kept when they leave: rejoining does not lift it
    Column("cap", Integer, nullable=False),      # trainings allowed per round
    PrimaryKeyConstraint("code", "learner"),
)

class_wall_names = Table(
    "class_wall_names", metadata,
    Column("code", Text, nullable=False),
    Column("learner", Text, nullable=False),
    Column("shown_as", Text, nullable=False),    # the teacher's name for them on the projector; '' hides theirs
    PrimaryKeyConstraint("code", "learner"),
)

teachers = Table(
    "teachers", metadata,
    Column("learner", Text, primary_key=True),
    Column("key_digest", Text, nullable=False),  # of the key they typed: valid while it is the server's
    Column("since", Double, nullable=False),
)

learner_actions = Table(
    "learner_actions", metadata,
    Column("learner", Text, nullable=False),
    Column("action", Text, nullable=False),      # a key of core.store.actions.ACTIONS
    _text("detail"),                             # what it was done to: an architecture's name, or ''
    Column("at", Double, nullable=False),        # the first time; doing it again changes nothing
    PrimaryKeyConstraint("learner", "action", "detail"),
)

lesson_ticks = Table(
    "lesson_ticks", metadata,
    Column("learner", Text, nullable=False),
    Column("lesson", Text, nullable=False),      # a lesson file's name without .md
    Column("task", Integer, nullable=False),     # 1, 2, … within the lesson
    Column("ticked_at", Double, nullable=False),  # a tick stays, whatever happens to the run that earned it
    PrimaryKeyConstraint("learner", "lesson", "task"),
)

class_pace = Table(
    "class_pace", metadata,
    Column("code", Text, primary_key=True),
    _text("open_json"),                          # JSON list of the lessons open to the class; '' opens all
    _text("message"),                            # the teacher's one line on every learner's page; '' for none
    Column("updated_at", Double, nullable=False),
)
