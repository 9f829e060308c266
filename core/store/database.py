"""The database behind the store: one SQLAlchemy engine per URL, SQLite by default or the
PostgreSQL that $DIGITS_DATABASE_URL names, and the few ways the store's tables use it.

Every failure of the database (corrupt, read-only, full, unreachable) comes out of here
as a StoreError, the one error type every caller handles.
"""
from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import Engine, Table, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateColumn

from core.store.checkpoints import StoreError

CONNECT_SECONDS = 5      # a database server that has not let us in by then is down
STATEMENT_SECONDS = 10   # a statement without an answer by then is cut off: the server is hung
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
            else:  # a server that stops answering must not hang a page: every wait has an end
                engine = create_engine(url, pool_size=4, max_overflow=16,  # pinged by Database._transaction
                                       pool_timeout=CONNECT_SECONDS, connect_args={"connect_timeout": CONNECT_SECONDS})
            _engines[url] = engine
        return _engines[url]


class _Watchdog:
    """Cuts off a PostgreSQL connection whose transaction has waited STATEMENT_SECONDS: a
    frozen server still takes our bytes (its kernel answers for it), so neither libpq nor
    TCP would ever give up, and the server's own statement_timeout cannot run. Shutting the
    socket down makes the waiting call fail at once, as a lost connection that SQLAlchemy
    drops from its pool. One thread for the process, asleep while nothing is watched."""

    def __init__(self) -> None:
        self._watched: dict[object, tuple[float, Any]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watching(self):
        """Watch the connection given to the yielded function (again after it reconnects)."""
        key = object()

        def watch(con) -> None:
            with self._wake:
                self._watched[key] = (time.monotonic() + STATEMENT_SECONDS, con.connection.dbapi_connection)
                if self._thread is None:
                    self._thread = threading.Thread(target=self._watch, name="database-watchdog", daemon=True)
                    self._thread.start()
                self._wake.notify()
        try:
            yield watch
        finally:
            with self._wake:
                self._watched.pop(key, None)

    def _watch(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                for key, (deadline, dbapi) in list(self._watched.items()):
                    if deadline <= now:
                        del self._watched[key]
                        _cut_off(dbapi)
                soonest = min((deadline for deadline, _ in self._watched.values()), default=None)
                self._wake.wait(None if soonest is None else max(0.0, soonest - now))


def _cut_off(dbapi) -> None:
    try:
        fd = dbapi.pgconn.socket
        socket.socket(fileno=os.dup(fd)).shutdown(socket.SHUT_RDWR)
    except Exception:  # closed meanwhile: nothing to cut
        pass


WATCHDOG = _Watchdog()


def _ping(con, watch) -> None:
    """What SQLAlchemy's pool_pre_ping does, but watched: a connection the server dropped (it
    restarted since) is replaced once, here, rather than failing the caller's statement."""
    try:
        con.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        con.rollback()
        watch(con)  # a new connection now, to watch instead
        con.exec_driver_sql("SELECT 1")
    con.rollback()


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
            if self.is_sqlite:  # a local file, with its own busy timeout
                with self._engine.begin() as con:
                    yield con
                return
            with self._engine.connect() as con, WATCHDOG.watching() as watch:
                watch(con)
                _ping(con, watch)
                yield con
                con.commit()
        except SQLAlchemyError as exc:
            raise StoreError(f"the run store {self.where} could not be used ({getattr(exc, 'orig', exc)})") from None

    @contextlib.contextmanager
    def exclusive(self, key: int):
        """One transaction that no other's `exclusive(key)` runs beside: a PostgreSQL advisory
        lock, or SQLite's write lock (a write that changes nothing takes it), held to its end."""
        with self._transaction() as con:
            if self.is_sqlite:
                con.exec_driver_sql("UPDATE runs SET run_id = run_id WHERE 0")
            else:
                con.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            yield con

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
