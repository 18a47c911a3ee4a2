"""Fuzz what the integration does with a cloud's answers (not run in CI).

    scripts/env python benchmarks/cloud_fuzz.py [--count 100000] [--seed N]

Hostile v1.1 specifications, thing models, device list entries and Smart Life SDK
devices (``tests/cloud_fuzz.py``) are parsed, stored (strict JSON, 64-bit integers,
read back equal) and turned into entity descriptions. Prints inputs tried, untyped
errors (the first few), the slowest input and the mean, in CPU time. CI runs a
smaller seeded share of it (``tests/ha/test_cloud_fuzz.py``).
"""

from __future__ import annotations

import argparse
import random
import time

from tests.cloud_fuzz import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    started = time.monotonic()
    slowest, total, errors = run(args.count, seed)
    print(f"seed {seed}: {args.count} hostile cloud answers in {time.monotonic() - started:.0f} s")
    print(f"untyped errors: {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"slowest input: {slowest * 1000:.1f} ms CPU; mean {total / args.count * 1000:.2f} ms")


if __name__ == "__main__":
    main()
