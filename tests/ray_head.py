"""Ray heads of a test's own, for the tests that restart, starve or inspect one (the shared
head of .ci/run goes on serving the other tests)."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

from helpers import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateHead:
    """`ray start --head --block` in a process group of its own, so it can be killed alone."""

    def __init__(self, tmp: Path, cpus: int = 1) -> None:
        self.tmp, self.cpus = tmp, cpus
        token = tmp / "ray-token"  # token authentication on, as docs/deployment.md asks of a cluster
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        # what the head and its clients (the replicas here) need to know of it
        self.env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
        self.port = free_port()
        self.client_port, self.dashboard_port = self._outside_worker_ports(), self._outside_worker_ports()
        self.process: subprocess.Popen | None = None

    def _outside_worker_ports(self) -> int:
        """A free port the head's workers (port+1 to port+200) cannot take first."""
        while self.port <= (found := free_port()) <= self.port + 200:
            pass
        return found

    @property
    def client_address(self) -> str:
        return f"ray://127.0.0.1:{self.client_port}"

    def start(self) -> "PrivateHead":
        ray_cli = Path(sys.executable).with_name("ray")
        self.process = subprocess.Popen(
            [str(ray_cli), "start", "--head", "--block", f"--num-cpus={self.cpus}", f"--port={self.port}",
             f"--ray-client-server-port={self.client_port}", "--disable-usage-stats",
             "--include-dashboard=true", "--dashboard-host=127.0.0.1", f"--dashboard-port={self.dashboard_port}",
             "--object-store-memory=100000000", f"--min-worker-port={self.port + 1}",
             f"--max-worker-port={self.port + 200}"],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**self.env, "HOME": str(self.tmp)})
        wait_until(lambda: _answers(self.client_port) and _answers(self.dashboard_port), timeout=120, every=0.2,
                   what="the private Ray head")  # the dashboard serves Ray's state API
        return self

    def kill(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)
            wait_until(lambda: not _answers(self.client_port), timeout=30, every=0.2, what="the head to stop")


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class PrivateWorker:
    """`ray start --address` a head of a test's own: a worker node joining its cluster."""

    def __init__(self, head: "PrivateHead", cpus: int) -> None:
        self.head, self.cpus, self.process = head, cpus, None

    def start(self) -> "PrivateWorker":
        ray_cli = Path(sys.executable).with_name("ray")
        self.process = subprocess.Popen(
            [str(ray_cli), "start", f"--address=127.0.0.1:{self.head.port}", f"--num-cpus={self.cpus}", "--block",
             "--disable-usage-stats", "--object-store-memory=100000000"],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**self.head.env, "HOME": str(self.head.tmp)})
        return self

    def kill(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)
