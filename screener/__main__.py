"""`python -m screener` and the `screener` console script."""

from __future__ import annotations

import sys


def main() -> None:
    from screener.cli import main as run

    sys.exit(run())


if __name__ == "__main__":
    main()
