"""The measurements behind docs/benchmarks.md, as three tools run from the repository root:
`python -m bench.speed <part>` (training speed), `python -m bench.server <part>` (what the
server does for its visitors) and `python -m bench.quality <part>` (what the models read
beyond MNIST's test set); `--help` lists each tool's parts. bench/common.py is what they share."""
