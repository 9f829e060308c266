"""The database behind the store: one SQLAlchemy engine per URL, SQLite by default or the
PostgreSQL that $DIGITS_DATABASE_URL names, and the few ways the store's tables use it.

Every failure of the database (corrupt, read-only, full, unreachable) comes out of here
as a StoreError, the one error type every caller handles.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any

from sqlalchemy import Engine, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateColumn

from core.store.checkpoints import StoreError

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def database_engine(url: str) -> Engine:
    """One engine (and connection pool) per database URL in this process."""
    with _engines_lock:
        if url not in _engines:
            if make_url(url).get_backend_name() == "sqlite":
                # a connection per statement, as sqlite3 is used best across threads; WAL lets
                # readers go on while a training writes
                engine = create_engine(url, poolclass=NullPool,
                                       connect_args={"timeout": 30, "check_same_thread": False})
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=4, max_overflow=16)
            _engines[url] = engine
        return _engines[url]


class Database:
    """A database URL and the tables (core.store.schema) made sure of in it."""

    def __init__(self, url: str, sqlite_path: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        # what messages name: the file, or the server without its password
        self.where = sqlite_path if self.is_sqlite else make_url(url).render_as_string(hide_password=True)
        self._tables: set[str] = set()  # tables whose schema this object has made sure of
        self._engine: Engine | None = None

    def open(self) -> None:
        """Connect, and on SQLite check the file and switch on WAL (raises SQLAlchemyError, StoreError)."""
        self._engine = database_engine(self.url)
        if self.is_sqlite:
            with self._engine.begin() as con:
                if con.exec_driver_sql("PRAGMA quick_check").scalar() != "ok":
                    raise StoreError("quick_check found damage")
                con.exec_driver_sql("PRAGMA journal_mode=WAL")

    @staticmethod
    def _columns(con, name: str) -> set[str]:
        return {column["name"] for column in inspect(con).get_columns(name)}

    @contextlib.contextmanager
    def _transaction(self):
        """A connection in one transaction; any database failure (corrupt, read-only, full,
        unreachable) comes out as one StoreError, the one error type every caller handles."""
        try:
            with self._engine.begin() as con:
                yield con
        except SQLAlchemyError as exc:
            raise StoreError(f"the run store {self.where} could not be used ({getattr(exc, 'orig', exc)})") from None

    def ensure_table(self, table: Table) -> None:
        """Create a core.store.schema table and add the columns newer than the database, the same
        way on SQLite and PostgreSQL; once per store object however often it is called."""
        if table.name in self._tables:
            return
        for attempt in (1, 2):  # another replica may create it at the same moment: then look again
            try:
                with self._transaction() as con:
                    table.create(con, checkfirst=True)
                    have = self._columns(con, table.name)
                    for column in table.columns:
                        if column.name not in have:
                            con.execute(text(f"ALTER TABLE {table.name} ADD COLUMN "
                                             f"{CreateColumn(column).compile(dialect=con.dialect)}"))
                break
            except StoreError:
                if attempt == 2:
                    raise
        self._tables.add(table.name)

    def execute(self, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
        """One statement (a Core statement, or SQL text with :named parameters) in its own
        transaction; the rows it returns, as mappings. Also used by the tables beside the
        runs (core.store.drawings, core.store.learners, core.classroom.classes)."""
        with self._transaction() as con:
            result = con.execute(text(statement) if isinstance(statement, str) else statement, params or {})
            return list(result.mappings()) if result.returns_rows else []

    def changed(self, statement: Any) -> int:
        """Rows a statement changed (for the claims that must not race)."""
        with self._transaction() as con:
            return con.execute(statement).rowcount
