"""A real Streamlit server and Debian's headless chromium, for the browser tests, the benchmarks
(bench.server) and the docs' screenshots (docs/screenshots.py): `from tests.support.browser import ...`."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]   # the repository: tests/support/browser.py
CHROMIUM = "/usr/bin/chromium"
# --disable-background-networking: this machine's closed network refuses Chromium's own calls
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def start_server(store_dir: str | os.PathLike, timeout: float = 60, env: dict[str, str] | None = None,
                 poll_seconds: float = 0.3) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port with its own run store (and `env`'s settings);
    returns it once healthy (asked every `poll_seconds`: a benchmark timing the start asks often)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DIGITS_STORE_DIR": str(store_dir), **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop_server(proc)
                raise RuntimeError(f"streamlit did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(poll_seconds)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextlib.contextmanager
def serve_app(store_dir: str | os.PathLike, timeout: float = 60, env: dict[str, str] | None = None) -> Iterator[str]:
    """A running app for the duration of the block; yields its base URL."""
    proc, url = start_server(store_dir, timeout, env)
    try:
        yield url
    finally:
        stop_server(proc)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


# Elements of the main area whose right edge passes the viewport's, leaving out those
# inside a box that scrolls or clips sideways within the viewport (a table's own scroll).
_OVERFLOWING = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX) && p.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.right > width + 1 && !clipped(el)) {
      out.push(`${el.tagName.toLowerCase()}[${el.getAttribute("data-testid") || el.className}] ends at ${Math.round(box.right)} px`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  return out;
}"""


def overflowing(page) -> list[str]:
    """What in the page's main area reaches past the right edge of the viewport."""
    return page.evaluate(_OVERFLOWING)
