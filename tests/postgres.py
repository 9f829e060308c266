"""Fresh PostgreSQL databases for the store tests, on the server CI starts, and servers of a test's own."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

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


class PrivatePostgres:
    """A PostgreSQL server of one test's own (Debian's binaries, as .ci/run uses), to stop,
    restart and freeze without touching the server the other tests share."""

    def __init__(self) -> None:
        # its own folder in /tmp: the postgres user cannot enter pytest's (a root-only parent)
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="digits-pg-")), _free_port()
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]).parent
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_postgres(["initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres"])

    def _as_postgres(self, command: list[str]) -> None:
        runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*runner, str(self.bin / command[0]), *command[1:]], check=True, capture_output=True,
                       timeout=120)

    def start(self) -> "PrivatePostgres":
        self._as_postgres(["pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-w", "-o",
                           f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start"])
        return self

    def stop(self) -> None:
        self._as_postgres(["pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"])

    def remove(self) -> None:
        """Stop it if it runs, and delete its folder."""
        subprocess.run(["pkill", "-CONT", "-f", str(self.folder)], capture_output=True)  # a frozen one too
        try:
            self.stop()
        except subprocess.CalledProcessError:  # stopped already
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def processes(self) -> list[int]:
        """The server's process and its children (its backends), which a freeze must stop."""
        main = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(main)], capture_output=True, text=True).stdout.split()
        return [main, *map(int, children)]

    def freeze(self, frozen: bool) -> None:
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP if frozen else signal.SIGCONT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
