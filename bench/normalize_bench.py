"""Throughput of amc_normalize on the conformance rows replicated to >= 200k rows (one core).

Prints rows/s of `normalize_records` (8 PII fields per row, all conformance countries, counted into a
`NormalizationReport` as the CLI and the job do), the floor (a bare `sha256(s.encode()).hexdigest()` loop
over the same cells, 8 per row) and the ratio of the two, values/s per PII type, and the ratio of EMAIL
normalize+hash time to a bare sha256 loop over the same e-mails.

    .venv/bin/python bench/normalize_bench.py [--rows 200000] [--repeat 3] [--baseline main]

`--baseline REF` also measures the `src/` of a git ref (exported with `git archive`) in child processes
that alternate with children running this checkout's `src/`, and prints before/after per type and
overall: on a shared machine only such interleaved runs give a fair ratio (each figure is the best run).
Times are CPU time of the process (`time.process_time`), so figures are per core even when the machine
is shared; `--wall` uses wall-clock time instead.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path
from typing import Any

from amc_normalize import (
    NormalizationReport,
    PiiType,
    get_batch_hash_function,
    get_hash_function,
    get_hasher,
    hash_value,
    normalize_records,
)

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


ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE_DIR = ROOT / "tests" / "data" / "conformance"


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


def measure(data: dict[str, list[dict[str, Any]]], repeat: int) -> dict[str, float]:
    """rows/s of normalize_records and of the floor, values/s per type (the `--baseline` children's
    figures: public API only, so that any ref's src can run them)."""
    n_rows = sum(len(r) for r in data.values())

    def run_records() -> None:
        report = NormalizationReport()
        for cc, rows in data.items():
            for _ in normalize_records(rows, SPEC, cc, report=report):
                pass

    cells = [
        "" if (v := row[column]) is None else str(v)
        for rows in data.values()
        for row in rows
        for column in SPEC
    ]

    def run_floor() -> None:
        for s in cells:
            sha256(s.encode()).hexdigest()

    run_records()  # warm caches (compiled rules, phone metadata)
    figures = {"records": n_rows / best_of(repeat, run_records), "floor": n_rows / best_of(repeat, run_floor)}
    for column, pii_type in SPEC.items():
        per_cc = [(get_hash_function(pii_type, cc), [r[column] for r in rows]) for cc, rows in data.items()]
        count = sum(len(v) for _, v in per_cc)

        def run_type(per_cc: list[tuple[Callable[[object], str | None], list[Any]]] = per_cc) -> None:
            for fn, values in per_cc:
                for value in values:
                    fn(value)

        figures[pii_type.value] = count / best_of(repeat, run_type)
        per_batch = [
            (get_batch_hash_function(pii_type, cc), values)
            for cc, (_, values) in zip(data, per_cc, strict=True)
        ]

        def run_batches(per_batch: list[tuple[Callable[[list[Any]], Any], list[Any]]] = per_batch) -> None:
            for fn, values in per_batch:
                for start in range(0, len(values), 256):  # normalize_records' chunk size
                    fn(values[start : start + 256])

        figures[f"batch {pii_type.value}"] = count / best_of(repeat, run_batches)
    return figures


def email_ratios(data: dict[str, list[dict[str, Any]]], repeat: int) -> None:
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
        for _ in range(max(3, repeat)):
            for loop in loops:
                start = clock()
                loop(chunk)
                best[loop] = min(best[loop], clock() - start)
        for loop in loops:
            totals[loop] += best[loop]
    t_bare = totals[bare]
    print(f"email ({len(emails):,} values): bare sha256 loop {len(emails) / t_bare:,.0f}/s")
    print(f"  email ratio (get_batch_hash_function, batch loop)          {totals[batched] / t_bare:.2f}")
    print(f"  email ratio (get_hash_function, per value)                 {totals[fast] / t_bare:.2f}")
    print(f"  email ratio (get_hasher, NormalizedValue results)         {totals[detailed] / t_bare:.2f}")
    print(f"  email ratio (hash_value, per-call lookup)                  {totals[public] / t_bare:.2f}")


def export_src(ref: str, into: Path) -> Path:
    """`src/` of a git ref, extracted under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"], check=True, capture_output=True
    ).stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def child(src: Path, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", "--rows", str(args.rows), "--repeat", str(args.repeat)]
    if args.wall:
        command.append("--wall")
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    figures: dict[str, float] = json.loads(out)
    return figures


def compare(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="normalize-bench-") as tmp:
        sides = {"before": export_src(args.baseline, Path(tmp)), "after": ROOT / "src"}
        best: dict[str, dict[str, float]] = {side: {} for side in sides}
        for _ in range(args.rounds):
            for side, src in sides.items():
                for key, value in child(src, args).items():
                    best[side][key] = max(best[side].get(key, 0.0), value)
    before, after = best["before"], best["after"]
    print(f"before = {args.baseline}, after = this checkout; best of {args.rounds} interleaved child runs")
    print(f"  {'':<18} {'before':>12} {'after':>12} {'after/before':>13}")
    for key in ["records", *(t.value for t in SPEC.values()), *(f"batch {t.value}" for t in SPEC.values())]:
        unit = "rows/s" if key == "records" else "values/s"
        label = "normalize_records" if key == "records" else key
        ratio = after[key] / before[key]
        print(f"  {label:<18} {before[key]:>12,.0f} {after[key]:>12,.0f} {ratio:>12.2f}x  {unit}")
    floor = max(before["floor"], after["floor"])
    print(f"  floor (8 sha256/row) {floor:,.0f} rows/s: before {floor / before['records']:.2f}x, ", end="")
    print(f"after {floor / after['records']:.2f}x the floor's time per row")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of process CPU time")
    parser.add_argument("--baseline", metavar="REF", help="also measure this git ref's src, interleaved")
    parser.add_argument("--rounds", type=int, default=4, help="child runs per side with --baseline")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.wall:
        CLOCK["clock"] = time.perf_counter
    data = load_rows(args.rows)
    if args.child:
        print(json.dumps(measure(data, args.repeat)))
        return
    n_rows = sum(len(r) for r in data.values())
    countries = ", ".join(sorted(data))
    print(f"rows: {n_rows:,} ({countries}), 8 PII fields per row, python {sys.version.split()[0]}")
    print(f"clock: {'wall' if args.wall else 'process CPU'} time, load average {os.getloadavg()[0]:.1f}")
    figures = measure(data, args.repeat)
    records, floor = figures["records"], figures["floor"]
    print(f"normalize_records: {records:,.0f} rows/s (best of {args.repeat})")
    print(f"floor: {floor:,.0f} rows/s (bare sha256 of the same 8 cells per row)")
    print(f"normalize_records / floor: {floor / records:.2f}x the floor's time per row")
    print("per type (values/s):       get_hash_function  get_batch_hash_function (256 a batch)")
    for pii_type in SPEC.values():
        t = pii_type.value
        print(f"  {t:<10} {figures[t]:>25,.0f} {figures['batch ' + t]:>24,.0f}")
    email_ratios(data, args.repeat)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    if args.baseline:
        compare(args)
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
