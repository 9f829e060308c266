"""Training speed; `python -m bench.speed --help` lists its parts."""
