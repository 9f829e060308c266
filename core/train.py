"""`python -m core.train`: the command line's earlier name, kept for existing scripts (see core.cli)."""
import sys

from core.cli import main

if __name__ == "__main__":
    sys.exit(main())
