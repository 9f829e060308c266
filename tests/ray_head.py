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


def ray_start(options: list[str], env: dict[str, str]) -> subprocess.Popen:
    """`ray start --block` with `options`, in a process group of its own (killed alone by kill_group)."""
    ray_cli = Path(sys.executable).with_name("ray")
    return subprocess.Popen([str(ray_cli), "start", "--block", "--disable-usage-stats",
                             "--object-store-memory=100000000", *options],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def kill_group(process: subprocess.Popen | None) -> None:
    """Kill `process` and every process of its group (a Ray node's raylet, GCS and workers)."""
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


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
        self.process = ray_start(
            ["--head", f"--num-cpus={self.cpus}", f"--port={self.port}",
             f"--ray-client-server-port={self.client_port}",
             "--include-dashboard=true", "--dashboard-host=127.0.0.1", f"--dashboard-port={self.dashboard_port}",
             f"--min-worker-port={self.port + 1}", f"--max-worker-port={self.port + 200}"],
            {**self.env, "HOME": str(self.tmp)})
        wait_until(lambda: _answers(self.client_port) and _answers(self.dashboard_port), timeout=120, every=0.2,
                   what="the private Ray head")  # the dashboard serves Ray's state API
        return self

    def kill(self) -> None:
        if self.process is not None:
            kill_group(self.process)
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
        self.process = ray_start([f"--address=127.0.0.1:{self.head.port}", f"--num-cpus={self.cpus}"],
                                 {**self.head.env, "HOME": str(self.head.tmp)})
        return self

    def kill(self) -> None:
        kill_group(self.process)
