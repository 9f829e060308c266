"""docker-compose.yml and the Dockerfile agree with the settings and pins they deploy
(no Docker engine runs in CI: these read the files)."""
import re
from pathlib import Path

import pytest

from core.config.settings import settings

yaml = pytest.importorskip("yaml", reason="PyYAML comes with requirements-cluster.txt")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_replicas_train_on_the_cluster_and_share_one_database(compose):
    services = compose["services"]
    assert {"balancer", "app", "ray-head", "ray-worker", "postgres"} <= set(services)
    app = services["app"]["environment"]
    found = settings(app)  # every setting there is valid as written
    assert found.ray_address.startswith("ray://ray-head:") and found.database_url.startswith("postgresql+psycopg://")
    assert found.hosted and "ray-head" in services["app"]["depends_on"]
    labels = services["app"]["labels"]
    assert labels["traefik.http.services.digits.loadbalancer.sticky.cookie"] == "true"  # a session stays put


def test_every_replica_and_worker_mounts_the_models_where_the_settings_say(compose):
    services = compose["services"]
    for name in ("app", "ray-head", "ray-worker"):
        env, volumes = services[name]["environment"], services[name]["volumes"]
        assert f"runs:{env['DIGITS_STORE_DIR']}" in volumes, name
        assert any(v.startswith(f"mnist:{env['DIGITS_DATA_DIR']}") for v in volumes), name
        assert "DIGITS_DATABASE_URL" in env, name  # workers record the runs they train
    head_port = re.search(r"--ray-client-server-port (\d+)", services["ray-head"]["command"]).group(1)
    assert services["app"]["environment"]["DIGITS_RAY_ADDRESS"].endswith(f":{head_port}")


def test_the_image_installs_the_pinned_cluster_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pins = dict(re.findall(r"^(torch|torchvision)==(\S+)", (ROOT / "requirements.txt").read_text(), re.M))
    assert f"torch=={pins['torch']} torchvision=={pins['torchvision']}" in dockerfile
    assert "-r requirements-cluster.txt" in dockerfile
    cluster = (ROOT / "requirements-cluster.txt").read_text()
    assert re.search(r"^ray\[default\]==\d", cluster, re.M) and re.search(r"^psycopg\[binary\]==\d", cluster, re.M)
