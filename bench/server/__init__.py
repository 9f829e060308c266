"""The server's costs, one module a part; `python -m bench.server --help` lists them."""
