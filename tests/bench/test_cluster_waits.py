"""One queue for the whole cluster: two app replicas on one Ray head of the test's own (two
CPUs, so no other test's trainings share them) and the PostgreSQL of .ci/run, more
trainings than the cluster has slots. The replicas run in a process of their own, as Ray
allows one link per process. A benchmark: the waits shown must be within 35% of the real
ones, which only a machine doing nothing else can promise (CI's serial benchmark step);
the order, slots and holds are unit tests of core.store.shared_queue."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ray_head import PrivateHead

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.real_data, pytest.mark.benchmark]  # the workers read MNIST from $DIGITS_DATA_DIR
TRAININGS = 6

REPLICAS = textwrap.dedent("""
    import json, sys, threading, time
    sys.path.insert(0, {root!r})
    from core.config.settings import settings
    from core.jobs.server import server_queue
    from core.jobs.run_keeper import stored_job
    from core.store.runs import RunStore
    from core.training.config import preset
    config = settings({{"DIGITS_RAY_ADDRESS": {address!r}, "DIGITS_DATABASE_URL": {url!r},
                       "DIGITS_TORCH_THREADS": "1", "DIGITS_DATA_DIR": {data!r}}})
    a = server_queue(config, RunStore({store!r}, database_url={url!r}))
    # a server that has trained before: the estimates read the speeds of its finished runs
    a.submit(stored_job(preset("logistic", "fast"), None, a.shared_store)).wait(timeout=120)
    b = server_queue(config, RunStore({store!r}, database_url={url!r}))
    most, sampling = [0], threading.Event()

    def sample():  # never more trainings with a turn than the cluster has slots
        while not sampling.wait(0.05):
            most[0] = max(most[0], a.shared.with_turn())
    threading.Thread(target=sample, daemon=True).start()
    shown = []
    for i in range(a.limits.slots + {trainings}):
        here, there = (a, b) if i % 2 == 0 else (b, a)
        job = here.submit(stored_job(preset("logistic", "fast"), None, here.shared_store, learner=f"{{i:x}}" * 32))
        shown.append((job, time.time(), here.place(job), there.place_of_run(job.snapshot().run_id)))
        time.sleep(0.2)  # learners press Start one after another
    statuses = [str(job.wait(timeout=300).status) for job, *_ in shown]
    sampling.set()
    turns = {{row["run_id"]: row["dispatched_at"] for row in a.shared_store.execute(
        "SELECT run_id, dispatched_at FROM runs WHERE dispatched_at IS NOT NULL")}}
    seen = lambda place: [place.running, place.ahead, place.wait_seconds]
    print(json.dumps({{"slots": [a.limits.slots, b.limits.slots], "most": most[0], "statuses": statuses,
                       "runs": [[job.snapshot().run_id, submitted, turns[job.snapshot().run_id] - submitted,
                                 seen(here), seen(there)] for job, submitted, here, there in shown]}}))
""")


@pytest.fixture(scope="module")
def two_cpu_head(tmp_path_factory):
    head = PrivateHead(tmp_path_factory.mktemp("ray-head"), cpus=2).start()
    yield head
    head.kill()


def test_two_replicas_share_one_queue_first_come_with_the_same_places_and_honest_waits(two_cpu_head, postgres_url,
                                                                                      tmp_path, real_mnist):
    script = REPLICAS.format(root=str(ROOT), address=two_cpu_head.client_address, url=postgres_url,
                             data=str(real_mnist.root), store=str(tmp_path / "runs"), trainings=TRAININGS)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                         env=two_cpu_head.env)
    assert out.stdout.strip(), out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    slots = found["slots"][0]
    assert found["slots"] == [2, 2] and set(found["statuses"]) == {"finished"}
    assert found["most"] <= slots  # two replicas never promised more than the cluster's CPUs
    runs = found["runs"]
    assert sorted(runs, key=lambda run: run[1] + run[2]) == runs  # first come, first served, across replicas
    for run_id, _, real_wait, (running, ahead, wait), (_, ahead_there, _) in runs:
        assert abs(ahead - ahead_there) <= 1, run_id  # the same queue on both replicas
        if running:
            assert real_wait < 2.0
        else:
            assert wait == pytest.approx(real_wait, rel=0.35), (run_id, wait, real_wait)
