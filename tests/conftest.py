"""Shared fixtures: small synthetic digits for unit tests, the real MNIST when available."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from core.data import DATA_DIR_ENV, Mnist, Split, load_mnist


def synthetic_split(n: int, seed: int) -> Split:
    """Ten easy classes: digit k is a bright 6x6 square at its own place, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    images = torch.randint(0, 60, (n, 28, 28), generator=g)
    for i, k in enumerate(labels.tolist()):
        row, col = 2 + (k // 5) * 12, 1 + (k % 5) * 5
        images[i, row:row + 6, col:col + 6] = 255
    return Split(images.to(torch.uint8), labels)


@pytest.fixture(scope="session")
def tiny_mnist() -> Mnist:
    return Mnist(synthetic_split(640, seed=0), synthetic_split(200, seed=1), Path("synthetic"), "synthetic")


@pytest.fixture(scope="session")
def real_mnist() -> Mnist:
    if not os.environ.get(DATA_DIR_ENV):
        pytest.skip(f"${DATA_DIR_ENV} is unset: point it at a folder holding MNIST/raw to run real-data tests")
    return load_mnist(os.environ[DATA_DIR_ENV], download=False)


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


# -- browser tests: a real Streamlit server driven by Debian's chromium ----------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`streamlit run app.py` on a free port with its own store; yields the base URL."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIGITS_STORE_DIR": str(tmp_path_factory.mktemp("browser-runs"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"streamlit did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements-dev.txt")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()
