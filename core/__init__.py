"""digits dashboard core: MNIST data, models, training engine, evaluation and run store.

A plain Python library: it never imports streamlit, so the CLI (`python -m core.cli`),
the tests and the benchmarks use exactly what the app uses.
"""
