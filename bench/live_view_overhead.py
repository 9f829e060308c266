"""Training throughput with the Train page open in a browser vs the CLI, same config.

    DIGITS_DATA_DIR=../shared/data python -m bench.live_view_overhead --arch mlp --epochs 2 --repeat 3

Each repeat trains once through the page (headless chromium on /train, the live chart
redrawing every second) and once through `python -m core.train`, alternating so that
machine noise hits both. Examples/s = examples seen / training seconds, from the run store.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.parse

from bench.browser import ROOT, launch_chromium, serve_app
from core.config import preset, to_query
from core.store import RunStore
from core.train import OVERRIDES


def through_page(url: str, query: dict, playwright) -> None:
    browser = launch_chromium(playwright)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/train?{urllib.parse.urlencode(query)}")
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start").click(timeout=60_000)
    page.get_by_text("Finished.").wait_for(timeout=600_000)
    browser.close()


def through_cli(config, store_dir: str) -> None:
    values = config.to_dict()
    args = [sys.executable, "-m", "core.train", "--arch", config.arch, "--store-dir", store_dir,
            "--model", json.dumps(values.pop("model"))]
    for name in OVERRIDES:
        args += [f"--{name.replace('_', '-')}", str(values[name])]
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)


def rate(store_dir: str) -> float:
    run = RunStore(store_dir).list_runs()[0]
    return run.examples_seen / run.train_seconds


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="mlp")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser-nice", type=int, default=0,
                        help="run chromium at this niceness: 19 approximates a browser on another "
                             "machine (the server's own overhead only)")
    args = parser.parse_args()
    config = preset(args.arch, epochs=args.epochs)
    page_rates, cli_rates = [], []
    with tempfile.TemporaryDirectory() as page_store, tempfile.TemporaryDirectory() as cli_store, \
            serve_app(page_store) as url:
        os.nice(args.browser_nice)  # after the server started: only chromium and the CLI inherit it
        with sync_playwright() as playwright:
            for i in range(args.repeat):
                through_page(url, to_query(config), playwright)
                page_rates.append(rate(page_store))
                through_cli(config, cli_store)
                cli_rates.append(rate(cli_store))
                print(f"repeat {i + 1}: page {page_rates[-1]:,.0f} ex/s, cli {cli_rates[-1]:,.0f} ex/s")
    page_median, cli_median = statistics.median(page_rates), statistics.median(cli_rates)
    print(f"| {args.arch} default, {args.epochs} epochs | chromium nice {args.browser_nice} | "
          f"{page_median:,.0f} | {cli_median:,.0f} | {page_median / cli_median:.2f} |")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
