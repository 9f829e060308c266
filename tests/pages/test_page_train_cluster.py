"""The Train page of a replica whose trainings run on a real Ray cluster, with runs in a real
PostgreSQL (both started by .ci/run), when the cluster fails under it."""
import pytest
from helpers import LEARNER, button, open_page, server_queue, wait_until

from core.training.config import preset, to_query

pytestmark = pytest.mark.real_data  # the workers read MNIST from $DIGITS_DATA_DIR


@pytest.fixture
def cluster_env(app_env, ray_address, postgres_url, real_mnist, monkeypatch):
    for name, value in {"DIGITS_RAY_ADDRESS": ray_address, "DIGITS_DATABASE_URL": postgres_url,
                        "DIGITS_TORCH_THREADS": "1", "DIGITS_DATA_DIR": str(real_mnist.root)}.items():
        monkeypatch.setenv(name, value)


def test_a_worker_killed_mid_run_is_one_sentence_on_train_and_after_a_reload(cluster_env):
    import ray

    from core.jobs.ray_connection import NAMESPACE
    at = open_page("pages/train.py", to_query(preset("cnn", epochs=2)))
    button(at, "Start").click().run()
    assert not at.exception
    job = server_queue().latest_job(LEARNER)
    wait_until(lambda: job.snapshot().examples_seen > 0, timeout=120, what="training on the cluster")
    ray.kill(ray.get_actor(f"training-{job.snapshot().run_id}", namespace=NAMESPACE))
    job.wait(timeout=60)
    for page in (at.run(), open_page("pages/train.py")):  # the same session, and a reload
        assert not at.exception and not page.exception
        said = [w.value for w in page.warning]
        assert any(w.startswith("**Interrupted.**") and "cluster worker" in w for w in said), said
        assert not button(page, "Start").disabled
