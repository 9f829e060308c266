"""This process's one link to the Ray head that $DIGITS_RAY_ADDRESS names.

An app replica is a Ray *client* of a cluster it does not own: it must never start a
Ray of its own. Ray's API starts a local cluster when it is called unconnected (after a
head restart dropped the link, that was 1.5 GB and 18 processes inside a replica, and a
token file in its home folder), so this module switches that off before Ray is imported
and connects only to the configured address. A link that fails is dropped and made
again on the next use, no sooner than a backoff that doubles up to BACKOFF_MAX_SECONDS;
until then every use raises ClusterUnreachable with one sentence, at once.

Ray is optional (requirements-cluster.txt): imported only when used.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

from core.config.settings import keep_ray_from_starting_itself, worker_environment

keep_ray_from_starting_itself()  # before anything here imports Ray

log = logging.getLogger(__name__)
NAMESPACE = "digits-dashboard"   # the Ray namespace of the actors, so any replica can find them by name
REACH_SECONDS = 3.0              # a head that does not answer by then is down: ray.init alone waits minutes
INIT_TRIES = 3                   # Ray Client's own start fails now and then (about 2 connects in 16 here)
BACKOFF_FIRST_SECONDS = 2.0      # after a failed connect, the next try waits this long, then twice as long...
BACKOFF_MAX_SECONDS = 30.0       # ... up to this
CORE_PACKAGE = Path(__file__).resolve().parents[1]  # core/, shipped to every worker


class ClusterUnreachable(RuntimeError):
    """The Ray head of DIGITS_RAY_ADDRESS does not answer (the message is one sentence)."""

    one_sentence = True  # shown as it is, without the exception's class name


def check_reachable(address: str) -> None:
    """Raise ClusterUnreachable, in one sentence, unless host:port (or ray://host:port) answers."""
    if address == "auto":
        return  # Ray finds the local one itself, at once or with its own error
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=REACH_SECONDS).close()
    except (OSError, ValueError):
        raise ClusterUnreachable(f"the Ray head at {address} does not answer: check that it runs "
                                 "(ray start --head) and that DIGITS_RAY_ADDRESS names it") from None


class Connection:
    """The link to one address: `actor_class(cls)` connects when needed; `lost()` drops it."""

    def __init__(self) -> None:
        self.address: str | None = None
        self._lock = threading.Lock()
        self._connected = False
        self._classes: dict[type, object] = {}  # Ray actor classes made on this link
        self._failures, self._retry_at, self._why = 0, 0.0, ""

    def ensure(self, address: str) -> None:
        """Connect to `address` unless linked to it already (raises ClusterUnreachable)."""
        with self._lock:
            if self.address != address or not self._connected:
                self._connect(address)

    def actor_class(self, address: str, cls: type):
        """The Ray actor class of `cls` on the cluster at `address`, connecting first if needed."""
        self.ensure(address)
        with self._lock:
            if cls not in self._classes:
                import ray
                self._classes[cls] = ray.remote(cls)
            return self._classes[cls]

    def _connect(self, address: str) -> None:  # with self._lock held
        if address == self.address and time.monotonic() < self._retry_at:
            raise ClusterUnreachable(f"{self._why} (trying again in {self._retry_at - time.monotonic():.0f} s)")
        self.address = address
        try:
            check_reachable(address)
            _init(address)
        except Exception as exc:
            self._failures += 1
            self._retry_at = time.monotonic() + min(BACKOFF_MAX_SECONDS,
                                                    BACKOFF_FIRST_SECONDS * 2 ** (self._failures - 1))
            self._why = str(exc) if isinstance(exc, ClusterUnreachable) else \
                (f"the Ray head at {address} answers but did not let this server in ({type(exc).__name__}): "
                 "check that RAY_AUTH_TOKEN_PATH names the cluster's token")
            log.warning("cannot connect to Ray at %s: %s", address, exc)
            raise ClusterUnreachable(self._why) from None
        self._failures, self._connected, self._classes = 0, True, {}

    def lost(self) -> None:
        """The link failed under a call: drop it, so the next use connects again."""
        with self._lock:
            if self._connected:
                log.warning("lost the link to the Ray head at %s: connecting again at the next use", self.address)
            self._connected, self._classes = False, {}
            _shutdown()


def _init(address: str) -> None:
    import ray
    for attempt in range(1, INIT_TRIES + 1):
        _shutdown()  # what a failed or lost link left behind
        try:
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False,
                     runtime_env={"py_modules": [str(CORE_PACKAGE)], "env_vars": worker_environment()})
            return
        except (ConnectionAbortedError, RuntimeError) as exc:  # Ray Client's "Initialization failure from
            if attempt == INIT_TRIES:                            # server": its own start failed; a plain
                raise                                            # ConnectionError (30 s without an answer,
                                                                 # or no token) is not tried again here
            log.info("Ray connect %d of %d failed: %s", attempt, INIT_TRIES, exc)
            time.sleep(attempt)


def _shutdown() -> None:
    import ray
    try:
        ray.shutdown()
    except Exception:  # a link that is already broken may fail to close: it is gone either way
        log.debug("ray.shutdown of a lost link failed", exc_info=True)


CONNECTION = Connection()  # one per process: Ray allows one link per process


def cluster_resources(address: str) -> dict[str, float]:
    """The live cluster's total resources (CPU, memory...), re-read at each call."""
    import ray
    CONNECTION.ensure(address)
    return ray.cluster_resources()


def largest_node_cpus(address: str) -> int:
    """CPUs of the cluster's largest live node: more threads than this, a training never starts."""
    import ray
    CONNECTION.ensure(address)
    return max((int(node["Resources"].get("CPU", 0)) for node in ray.nodes() if node.get("Alive")), default=0)

