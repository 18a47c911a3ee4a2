"""Run every check on a repository and print what fails.

    scripts/env python -m validation [ROOT]

ROOT defaults to the repository this package lives in. Exits 1 when any check
reports an error, 0 when none does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .checks import ALL_CHECKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m validation",
        description="hassfest's and the HACS action's checks, offline.",
    )
    parser.add_argument(
        "root",
        nargs="?",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="the repository to check (default: this one)",
    )
    args = parser.parse_args(argv)
    failed = 0
    for check in ALL_CHECKS:
        errors = check(args.root)
        print(f"{check.__name__}: {'ok' if not errors else f'{len(errors)} error(s)'}")
        for error in errors:
            print(f"  {error}")
        failed += bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
