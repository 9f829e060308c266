"""The deployment files agree with the settings and pins they deploy, pass their schemas, and
are secure by default (no Docker engine or Kubernetes runs in CI: these read the files;
the schemas come pinned with requirements-dev.txt: check-jsonschema's compose-spec and
kubernetes-validate's Kubernetes schemas)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.config.settings import settings

yaml = pytest.importorskip("yaml", reason="PyYAML comes with requirements-cluster.txt")
ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
PINNED = r"[a-z0-9./-]+:\d+(\.\d+)+[\w.-]*@sha256:[0-9a-f]{64}"
KUBERNETES_VERSION = "1.33.0"   # the oldest minor version the manifests are checked against


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_file_passes_the_compose_specification():
    out = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                          str(ROOT / "docker-compose.yml")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_replicas_train_on_the_cluster_and_share_one_database(compose, tmp_path):
    services = compose["services"]
    assert {"proxy", "app", "ray-head", "ray-worker", "postgres"} <= set(services)
    env = services["app"]["environment"]
    password = tmp_path / "db_password"
    password.write_text("from-the-secret\n")
    found = settings({**env, "DIGITS_DATABASE_PASSWORD_FILE": str(password)})  # every setting valid as written
    assert found.ray_address.startswith("ray://ray-head:") and found.hosted and found.trusted_proxy
    assert found.database_url == "postgresql+psycopg://digits:from-the-secret@postgres:5432/digits"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "dynamic a app 8501" in caddyfile and "lb_policy cookie" in caddyfile  # a session stays put
    head_port = re.search(r"--ray-client-server-port (\d+)", services["ray-head"]["command"]).group(1)
    assert env["DIGITS_RAY_ADDRESS"].endswith(f":{head_port}")


def test_every_replica_and_worker_mounts_the_models_and_secrets_where_the_settings_say(compose):
    services = compose["services"]
    for name in ("app", "ray-head", "ray-worker"):
        env, volumes = services[name]["environment"], services[name]["volumes"]
        assert f"runs:{env['DIGITS_STORE_DIR']}" in volumes, name
        assert any(v.startswith(f"mnist:{env['DIGITS_DATA_DIR']}") for v in volumes), name
        assert set(services[name]["secrets"]) == {"db_password", "ray_token"}, name
        assert env["DIGITS_DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password", name
        assert (env["RAY_AUTH_MODE"], env["RAY_AUTH_TOKEN_PATH"]) == ("token", "/run/secrets/ray_token"), name


def test_the_compose_file_is_secure_by_default(compose):
    services = compose["services"]
    text = (ROOT / "docker-compose.yml").read_text()
    assert "docker.sock" not in text and "PASSWORD:" not in text.replace("PASSWORD_FILE:", "")
    for name, service in services.items():
        env = service.get("environment", {})
        assert not any("password" in key.lower() and not key.endswith("_FILE") for key in env), name
        assert not re.search(r"//[^/@]*:[^/@]*@", env.get("DIGITS_DATABASE_URL", "")), name  # no user:password@
        assert "healthcheck" in service and service["restart"] == "unless-stopped", name
        for needed in service.get("depends_on", {}).values():
            assert needed == {"condition": "service_healthy"}, name
        if "image" in service:  # a release and its digest: the tag says which, the digest that it never moves
            assert re.fullmatch(PINNED, service["image"]), name
    # only the proxy is reachable from outside; the Ray ports and the database are not published
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    assert compose["networks"]["cluster"]["internal"] is True
    assert "--num-cpus" not in services["ray-worker"]["command"]  # the container's CPUs, whatever the host has
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001$", dockerfile, re.M)  # the image runs as no root
    assert re.fullmatch(PINNED, re.search(r"^FROM (\S+)$", dockerfile, re.M).group(1))


def test_the_image_installs_the_pinned_requirements_and_copies_every_package_the_app_imports():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pins = dict(re.findall(r"^(torch|torchvision)==(\S+)", (ROOT / "requirements.txt").read_text(), re.M))
    assert f"torch=={pins['torch']} torchvision=={pins['torchvision']}" in dockerfile
    assert "-r requirements-cluster.txt" in dockerfile
    for folder in ("core", "ui", "pages", "lessons", ".streamlit"):
        assert f"COPY {folder} {folder}" in dockerfile, folder
    cluster = (ROOT / "requirements-cluster.txt").read_text()
    assert re.search(r"^ray\[default\]==\d", cluster, re.M) and re.search(r"^psycopg\[binary\]==\d", cluster, re.M)


def manifests() -> list[dict]:
    return [doc for path in sorted(KUBERNETES.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_the_kubernetes_manifests_pass_the_kubernetes_schemas_strictly():
    import kubernetes_validate
    checked = 0
    for doc in manifests():
        if doc["kind"] == "RayCluster":  # KubeRay's own kind: its pods are Kubernetes' PodTemplates
            groups = [doc["spec"]["headGroupSpec"], *doc["spec"]["workerGroupSpecs"]]
            docs = [{"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": f"group-{i}"},
                     "template": group["template"]} for i, group in enumerate(groups)]
        else:
            docs = [doc]
        for resource in docs:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)  # raises with the field's path
            checked += 1
    assert checked >= 10


def test_the_kubernetes_app_and_cluster_agree_and_keep_secrets_out_of_settings():
    docs = {doc["kind"]: doc for doc in manifests()}
    cluster, app, config = docs["RayCluster"], docs["Deployment"], docs["ConfigMap"]["data"]
    assert cluster["spec"]["rayVersion"] == re.search(r"^ray\[default\]==(\S+)",
                                                      (ROOT / "requirements-cluster.txt").read_text(), re.M).group(1)
    [container] = app["spec"]["template"]["spec"]["containers"]
    address = {e["name"]: e["value"] for e in container["env"]}["DIGITS_RAY_ADDRESS"]
    port = cluster["spec"]["headGroupSpec"]["rayStartParams"]["ray-client-server-port"]
    assert address == f"ray://{cluster['metadata']['name']}-head-svc:{port}"
    assert "ingressClassName" in docs["Ingress"]["spec"] and docs["Ingress"]["spec"]["tls"]
    assert docs["Ingress"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert config["RAY_AUTH_MODE"] == "token" and "Secret" not in docs  # secrets are made by kubectl, not kept here
    assert not re.search(r"//[^/@]*:[^/@]*@", config["DIGITS_DATABASE_URL"])  # no password in the URL
    for spec in (app["spec"]["template"]["spec"], cluster["spec"]["headGroupSpec"]["template"]["spec"]):
        assert spec["securityContext"]["runAsNonRoot"] is True
    found = settings({**config, "DIGITS_DATABASE_PASSWORD_FILE": "", "DIGITS_RAY_ADDRESS": address})
    assert found.hosted and found.database_url.startswith("postgresql+psycopg://")
