"""Throughput of amc_normalize on the conformance rows replicated to >= 200k rows (one core).

Prints rows/s of `normalize_records` (8 PII fields per row, all conformance countries), values/s per
PII type, and the ratio of EMAIL normalize+hash time to a bare `sha256(s.encode()).hexdigest()` loop.

    .venv/bin/python bench/normalize_bench.py [--rows 200000] [--repeat 3] [--slow-phone]

`--slow-phone` disables the phone fast path (every number through phonenumbers.parse): the "before".
Times are CPU time of this process (`time.process_time`), so figures are per core even when the machine
is shared; `--wall` uses wall-clock time instead.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path
from typing import Any

from amc_normalize import (
    PiiType,
    get_batch_hash_function,
    get_hash_function,
    get_hasher,
    hash_value,
    normalize_records,
)
from amc_normalize import phone as phone_module

SPEC = {
    "first_name": PiiType.FIRST_NAME,
    "last_name": PiiType.LAST_NAME,
    "email": PiiType.EMAIL,
    "phone": PiiType.PHONE,
    "address": PiiType.ADDRESS,
    "city": PiiType.CITY,
    "state": PiiType.STATE,
    "zip": PiiType.ZIP,
}


CONFORMANCE_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "conformance"


def load_rows(target: int) -> dict[str, list[dict[str, Any]]]:
    base: dict[str, list[dict[str, Any]]] = {}
    for directory in sorted(CONFORMANCE_DIR.iterdir()):
        with (directory / "raw.jsonl").open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        for row in rows:
            row.setdefault("state", None)  # GB, JP, IN files have no state column: a null 8th field
        base[directory.name.upper()] = rows
    total = sum(len(r) for r in base.values())
    copies = -(-target // total)
    return {cc: rows * copies for cc, rows in base.items()}


CLOCK = {"clock": time.process_time}


def clock() -> float:
    return CLOCK["clock"]()


def best_of(repeat: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slow-phone", action="store_true", help="disable the phone fast path")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of process CPU time")
    args = parser.parse_args()
    if args.wall:
        CLOCK["clock"] = time.perf_counter
    if args.slow_phone:

        def slow(digits: str, plus: bool, region: str, plan: object) -> tuple[str, str | None]:
            return phone_module.slow_phone(digits, plus, region)

        phone_module.phone_result = slow  # type: ignore[assignment]

    data = load_rows(args.rows)
    n_rows = sum(len(r) for r in data.values())
    countries = ", ".join(sorted(data))
    print(f"rows: {n_rows:,} ({countries}), 8 PII fields per row, python {sys.version.split()[0]}")
    print(f"clock: {'wall' if args.wall else 'process CPU'} time, load average {os.getloadavg()[0]:.1f}")

    def run_records() -> None:
        for cc, rows in data.items():
            for _ in normalize_records(rows, SPEC, cc):
                pass

    run_records()  # warm caches (compiled rules, phone metadata)
    elapsed = best_of(args.repeat, run_records)
    print(f"normalize_records: {n_rows / elapsed:,.0f} rows/s ({elapsed:.2f} s, best of {args.repeat})")

    print("per type (hash function, values/s):")
    for column, pii_type in SPEC.items():
        per_cc = [(get_hash_function(pii_type, cc), [r[column] for r in rows]) for cc, rows in data.items()]
        count = sum(len(v) for _, v in per_cc)

        def run_type(per_cc: list[tuple[Callable[[object], str | None], list[Any]]] = per_cc) -> None:
            for fn, values in per_cc:
                for value in values:
                    fn(value)

        t = best_of(args.repeat, run_type)
        print(f"  {pii_type.value:<10} {count / t:>12,.0f} values/s")

    emails = [r["email"] for rows in data.values() for r in rows if r["email"]]
    fn = get_hash_function(PiiType.EMAIL, "US")
    hasher = get_hasher(PiiType.EMAIL, "US")

    def bare(chunk: list[str]) -> None:
        for s in chunk:
            sha256(s.encode()).hexdigest()

    def fast(chunk: list[str]) -> None:
        for s in chunk:
            fn(s)

    batch = get_batch_hash_function(PiiType.EMAIL, "US")

    def batched(chunk: list[str]) -> None:
        batch(chunk)

    def detailed(chunk: list[str]) -> None:
        for s in chunk:
            hasher(s)

    def public(chunk: list[str]) -> None:
        for s in chunk:
            hash_value(s, "EMAIL", "US")

    # The CPU is shared: time short chunks, each side alternately, and keep every chunk's quietest
    # run; the ratio compares sums of those minima over the same strings.
    loops = (bare, batched, fast, detailed, public)
    chunks = [emails[i : i + 2000] for i in range(0, len(emails), 2000)]
    totals = dict.fromkeys(loops, 0.0)
    for chunk in chunks:
        best = dict.fromkeys(loops, float("inf"))
        for _ in range(max(3, args.repeat)):
            for loop in loops:
                start = clock()
                loop(chunk)
                best[loop] = min(best[loop], clock() - start)
        for loop in loops:
            totals[loop] += best[loop]
    t_bare = totals[bare]
    print(f"email ({len(emails):,} values): bare sha256 loop {len(emails) / t_bare:,.0f}/s")
    print(f"  email ratio (get_batch_hash_function, batch loop)          {totals[batched] / t_bare:.2f}")
    print(f"  email ratio (get_hash_function, used by normalize_records)  {totals[fast] / t_bare:.2f}")
    print(f"  email ratio (get_hasher, NormalizedValue results)         {totals[detailed] / t_bare:.2f}")
    print(f"  email ratio (hash_value, per-call lookup)                  {totals[public] / t_bare:.2f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
