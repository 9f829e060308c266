"""Tooling shared by the tests, the benchmarks (bench/) and the docs' screenshots
(docs/screenshots.py): imported from the repository root as `tests.support.<module>`."""
