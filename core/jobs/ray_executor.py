"""Trainings on a Ray cluster, when $DIGITS_RAY_ADDRESS names one.

Each training is a detached Ray actor (`ClusterTraining`) that reserves the job's torch
threads as `num_cpus`, claims the run's row in the shared store, loads the data on its
worker, trains, saves the model into the shared store folder and exits. Detached, it
outlives the app replica that started it: a replica that dies mid-run leaves the run to
finish, and the run's row names the worker's process, so a restarting replica does not
mark it interrupted. The replica's own core.jobs.job.TrainingJob mirrors the actor's
snapshots at the page's redraw rate and passes Stop on, so every page reads a cluster
training as it reads a local one.

Ray is optional (requirements-cluster.txt): this module imports it only when used.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from core.config.settings import database_password, with_password
from core.jobs.job import TrainingJob
from core.jobs.ray_connection import CONNECTION, NAMESPACE, ClusterUnreachable, check_reachable, largest_node_cpus
from core.jobs.snapshot import Outcome
from core.training.config import TrainConfig
from core.training.engine import FitResult
from core.training.status import Status

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25              # how often the replica asks a training for its progress
START_GIVE_UP_SECONDS = 10.0     # a stopped training whose actor has not started by then is killed
PENDING_GIVE_UP_SECONDS = 120.0  # an actor no worker has room for by then is killed: the run never trained
HEAD_CHECK_SECONDS = 2.0         # how often a replica following a training checks that the head answers
ORPHAN_EXIT_SECONDS = 10.0       # an actor whose replica never collected its outcome exits after this


class ClusterTraining:
    """One training on a cluster worker (made a Ray actor class by `connect`)."""

    def __init__(self, config: dict[str, Any], run_id: str, learner: str, class_code: str, threads: int,
                 where: dict[str, str], time_limit: float | None = None, memory_limit: float | None = None) -> None:
        self.config, self.run_id, self.learner, self.class_code = TrainConfig.from_dict(config), run_id, learner, class_code
        self.threads, self.where = threads, where  # the store and the data, as the replica sees them
        self.time_limit, self.memory_limit = time_limit, memory_limit  # the replica queue's: the worker's job stops there
        self.job: TrainingJob | None = None
        self.stop_message: str | None = None
        self._outcome: dict[str, Any] | None = None
        self._ended = threading.Event()

    def train(self) -> dict[str, Any]:
        """Claim the run, train and record it; what the replica needs to end its own job."""
        from core.data.datasets import dataset_spec
        from core.data.loading import load_dataset
        from core.jobs.run_keeper import RunKeeper
        from core.jobs.threads import use_one_torch_thread
        from core.store.runs import RunStore
        use_one_torch_thread()  # this actor thread loads data; the job sets its own threads to train
        try:
            store = RunStore(self.where["store_root"], database_url=self._database_url())
            if self.stop_message is not None or not store.mark_running(self.run_id):
                self._outcome = {"claimed": False}  # stopped, cancelled or claimed elsewhere before it began
                return self._outcome
            data = load_dataset(self.where["data_dir"], dataset_spec(self.config.dataset), download=False)
            job = TrainingJob(self.config, data, (RunKeeper(store, claimed_run=self.run_id),), threads=self.threads,
                              learner=self.learner, class_code=self.class_code)
            job.time_limit, job.memory_limit = self.time_limit, self.memory_limit
            job.record_queued()
            self.job = job
            if self.stop_message is not None:
                job.stop(self.stop_message)
            job.run()
            self._outcome = {"claimed": True, "snapshot": job.snapshot(),
                             "evaluation": job.result.evaluation if job.result else None}
            return self._outcome
        finally:
            self._ended.set()
            self._exit_if_orphaned()

    def _database_url(self) -> str:
        """The store's URL with the password this worker keeps (a secret file it mounts, or
        libpq's own PGPASSWORD / PGPASSFILE), never one sent through Ray."""
        from core.config.settings import settings
        password_file, url = settings().database_password_file, self.where["database_url"]
        return with_password(url, database_password(password_file)) if password_file else url

    def result(self) -> dict[str, Any] | None:
        """What train() returned, once it has (for a replica that follows a training it did not start)."""
        self._ended.wait()
        return self._outcome

    def snapshot(self):
        return self.job.snapshot() if self.job is not None else None

    def stop(self, message: str) -> None:
        self.stop_message = message
        if self.job is not None:
            self.job.stop(message)

    def _exit_if_orphaned(self) -> None:
        """The replica kills the actor once it has the outcome; if that replica has died,
        nobody will, so the actor ends itself a while later."""
        import ray
        me = ray.get_runtime_context().current_actor
        timer = threading.Timer(ORPHAN_EXIT_SECONDS, ray.kill, (me,), {"no_restart": True})
        timer.daemon = True
        timer.start()


def actor_name(run_id: str) -> str:
    return f"training-{run_id}"


def check_threads_fit(address: str, threads: int) -> None:
    """A training reserves `threads` CPUs on one node: refuse, in one sentence, a setting no
    live node can ever grant (its actors would wait, "Starting…", for good)."""
    from core.config.fields import ConfigError
    from core.config.settings import TORCH_THREADS_ENV
    largest = largest_node_cpus(address)
    if threads > largest:
        raise ConfigError(f"{TORCH_THREADS_ENV} asks {threads} CPUs for each training, but the largest node of "
                          f"the Ray cluster at {address} has {largest}: set it to {max(largest, 1)} or less")


def end_actors_of_ended_runs(address: str, store) -> list[str]:
    """Kill the training actors whose run has ended (cancelled while its actor waited for a
    worker, or ended by a replica that died before killing it); returns their run ids."""
    import ray
    CONNECTION.ensure(address)
    ended = []
    for name in ray.util.list_named_actors():
        if not name.startswith("training-"):
            continue
        run_id = name.removeprefix("training-")
        try:
            done = store.get_run(run_id).status.done
        except Exception:  # not a run of this store (another deployment's namespace would differ)
            continue
        if done:
            try:
                ray.kill(ray.get_actor(name, namespace=NAMESPACE), no_restart=True)
                ended.append(run_id)
            except ValueError:  # it ended meanwhile
                pass
    return ended


class RayExecutor:
    """Trains core.jobs.job.TrainingJob's on the cluster at `address` (see core.jobs.job.Executor),
    recording them in `store` (its database and folder, which every worker must reach) and
    reading the data from `data_dir` on the workers."""

    failure = "Training could not start on the cluster"
    remote = True

    def __init__(self, address: str, store, data_dir: str) -> None:
        self.address, self.store = address, store
        # the database's password never travels through Ray (whoever reaches the cluster can read
        # what it keeps): each worker finds it in its own environment (PGPASSWORD, or PGPASSFILE)
        self.where = {"store_root": str(Path(store.root).resolve()), "database_url": with_password(store.url, None),
                      "data_dir": str(Path(data_dir).expanduser().resolve())}
        CONNECTION.ensure(address)

    def train(self, job: TrainingJob, started: float) -> Outcome:
        run_id = job.snapshot().run_id
        if run_id is None:
            raise RuntimeError("a cluster training needs a stored run (core.jobs.run_keeper.stored_job with a store)")
        for attempt in (1, 2):
            try:
                check_reachable(self.address)  # at once, where a broken link would wait out Ray's 30 s grace
                actor, outcome_ref = self._start(job, run_id)
                break
            except ClusterUnreachable:
                CONNECTION.lost()
                raise
            except Exception:  # the link broke since its last use (the head restarted): once more, on a new one
                CONNECTION.lost()
                if attempt == 2:
                    raise
        return self._follow(job, actor, outcome_ref, started)

    def _start(self, job: TrainingJob, run_id: str):
        actor_class = CONNECTION.actor_class(self.address, ClusterTraining)
        actor = actor_class.options(name=actor_name(run_id), lifetime="detached", num_cpus=job.threads,
                                    max_concurrency=4).remote(job.config.to_dict(), run_id, job.learner,
                                                              job.class_code, job.threads, self.where,
                                                              job.time_limit, job.memory_limit)
        return actor, actor.train.remote()  # Ray Client sends both when the second is made: both may fail

    def is_training(self, run_id: str) -> bool:
        """Whether the cluster has the actor of this run (any replica may have started it);
        False while the cluster cannot be reached."""
        import ray
        try:
            CONNECTION.ensure(self.address)
            ray.get_actor(actor_name(run_id), namespace=NAMESPACE)
            return True
        except ValueError:
            return False
        except ClusterUnreachable:
            return False
        except Exception:  # a broken link: made again at the next use
            CONNECTION.lost()
            return False

    def adopt(self, job: TrainingJob, started: float) -> Outcome:
        """Follow a training another replica started (and may have died since), as train() does."""
        import ray
        CONNECTION.ensure(self.address)
        actor = ray.get_actor(actor_name(job.snapshot().run_id), namespace=NAMESPACE)
        return self._follow(job, actor, actor.result.remote(), started)

    def _lost(self, run_id: str, exc: Exception, started: float) -> Outcome:
        """The actor is gone before this replica heard how the training ended: another replica
        following it collected the outcome and ended it, its worker died, or the link to the
        head broke. The row tells which."""
        from ray.exceptions import RayActorError
        if not isinstance(exc, RayActorError):
            CONNECTION.lost()
        try:
            record = self.store.get_run(run_id)
            if record.status.done:  # the worker recorded it: nothing to add, nothing to overwrite
                return Outcome(record.status, record.message, None, started, recorded=True)
        except Exception:  # the store is unreachable too: say what this replica knows
            log.exception("could not read run %s", run_id)
        log.warning("cluster training %s ended abnormally: %s", run_id, exc)
        why = ("The cluster worker training this run stopped before it finished." if isinstance(exc, RayActorError)
               else "The link to the training cluster broke before this run finished.")
        return Outcome(Status.INTERRUPTED, why, None, started)

    def _follow(self, job: TrainingJob, actor, outcome_ref, started: float) -> Outcome:
        import ray
        run_id, progress_ref, stop_sent, answered = job.snapshot().run_id, None, 0.0, False
        asked = checked = time.monotonic()
        try:
            while not ray.wait([outcome_ref], timeout=POLL_SECONDS)[0]:
                if time.monotonic() - checked > HEAD_CHECK_SECONDS:  # Ray Client would wait 30 s to say so
                    check_reachable(self.address)
                    checked = time.monotonic()
                if progress_ref is not None and ray.wait([progress_ref], timeout=0)[0]:
                    answered = True  # the actor runs on a worker (its progress may still be None)
                    if (snap := ray.get(progress_ref)) is not None:
                        job.mirror(snap)
                    progress_ref = None
                progress_ref = progress_ref or actor.snapshot.remote()
                # a Stop asked here; the time limit is the worker's own job's, which words its end
                if job.stop_requested and not stop_sent:
                    actor.stop.remote(job.cancelled_message)
                    stop_sent = time.monotonic()
                if not answered and stop_sent and time.monotonic() - stop_sent > START_GIVE_UP_SECONDS:
                    ray.kill(actor)  # still waiting for a worker: it never trained, the row says so here
                    return Outcome(Status.CANCELLED, job.cancelled_message, None, started)
                if not answered and time.monotonic() - asked > PENDING_GIVE_UP_SECONDS:
                    ray.kill(actor)
                    return Outcome(Status.CANCELLED, f"No worker of the cluster had room for this training within "
                                   f"{PENDING_GIVE_UP_SECONDS:.0f} s: nothing was trained. Try again later.",
                                   None, started)
            value = ray.get(outcome_ref, timeout=30)
        except Exception as exc:  # Ray's errors, and a broken link's (ConnectionError, gRPC's)
            return self._lost(run_id, exc, started)
        finally:
            try:
                ray.kill(actor)
            except Exception:  # gone already, or the link is
                pass
        if not value["claimed"]:
            message = job.cancelled_message if job.stop_requested else "This run was ended elsewhere before it began."
            return Outcome(Status.CANCELLED, message, None, started)
        snap = value["snapshot"]
        job.mirror(snap)
        result = (FitResult(None, snap.status, snap.message, value["evaluation"], snap.train_seconds)
                  if value["evaluation"] is not None else None)
        return Outcome(snap.status, snap.message, result, started, recorded=True)
