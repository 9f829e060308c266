"""Fresh PostgreSQL databases for the store tests, on the server CI starts."""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database on `admin_url`'s server, dropped afterwards."""
    name = f"digits_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as con:
            con.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            from core.store import database
            engine = database._engines.pop(url, None)
            if engine is not None:
                engine.dispose()
            with admin.connect() as con:
                con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
