"""Benchmark of the upload job end to end: CSV in (8 PII columns) -> staged gzip partitions out.

    .venv/bin/python bench/job_bench.py --rows 1000000 --engines local,spark
    .venv/bin/python bench/job_bench.py --rows 10000000 --engines spark --keep-data
    .venv/bin/python bench/job_bench.py --rows 1000000 --engines local,spark,spark-reader,spark-s3

Generates N seeded synthetic customers (9 countries, ~10% messy values), runs the job once per engine in
a fresh child process (stage-only to a local directory) and prints rows/s, wall time, CPU seconds of the
whole process tree and the peak RSS of the driver process (for Spark also the JVM's), then the share of
per-row time spent in each PII rule, measured on a sample with the compiled hashers the engines use.

For the local engine it also prints, measured in the same run: end-to-end rows/s with process start
included (rows / wall time of the child process), its ratio to single-core `normalize_records` rows/s on
the same rows (a child process hashing the same CSV's rows as dicts, counting outcomes into a
`NormalizationReport` as the job does; wall time; the figure without a report is printed beside it),
CPU seconds per row, the peak RSS of the main process and of its largest worker, and the load average
before and after.
`--workers N` sets the local engine's worker processes (default: the available cores); `--repeat N` runs every
engine N times, interleaved, and compares each engine's best round (a shared machine's noise).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from amc_uploader.job.synthetic import COLUMNS, PII_SPEC, synthetic_rows


def generate(path: Path, rows: int, seed: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in synthetic_rows(rows, seed=seed):
            writer.writerow([row[c] for c in COLUMNS])


def _jvm_peak_kb(spark: object) -> int | None:
    try:
        pid = spark._jvm.java.lang.ProcessHandle.current().pid()  # type: ignore[attr-defined]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except Exception:
        return None
    return None


def _tree_cpu_seconds(root: int) -> float:
    """utime+stime of a process and its live descendants, plus what they reaped (cutime+cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        cpu[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / ticks


def run_normalize_records(data: Path, country: str) -> dict[str, object]:
    """Runs in a child process: `normalize_records` over the CSV's rows (read first, not timed), one core,
    counted into a `NormalizationReport` as the job does (and as bench/normalize_bench.py measures it);
    also without a report (``rows_per_s_no_report``), the same rows hashed without any outcome count."""
    from amc_normalize import NormalizationReport, normalize_records

    with data.open(newline="", encoding="utf-8") as f:
        rows = [{k: v or None for k, v in row.items()} for row in csv.DictReader(f)]
    for _ in normalize_records(rows[:20_000], PII_SPEC, country, report=NormalizationReport()):
        pass  # warm the compiled rules and caches
    cpu, t0 = time.process_time(), time.perf_counter()
    for _ in normalize_records(rows, PII_SPEC, country, report=NormalizationReport()):
        pass
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu
    t1 = time.perf_counter()
    for _ in normalize_records(rows, PII_SPEC, country):
        pass
    bare = time.perf_counter() - t1
    return {
        "rows": len(rows),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rows_per_s": round(len(rows) / wall),
        "rows_per_s_no_report": round(len(rows) / bare),
    }


def run_engine(engine: str, data: Path, out: Path, country: str, workers: int | None) -> dict[str, object]:
    """Runs in the child process: one job, returns figures. ``spark-reader`` is the Spark engine made to
    read the CSV with Spark's reader, the path of files with quotes (or gzip); ``spark-s3`` reads the
    file as an `s3://` object from a local moto server, as Glue reads its inputs (the server's own CPU
    is not counted: it plays S3)."""
    from amc_uploader.job import JobConfig, run_job

    if engine == "spark-reader":
        from amc_uploader.job import spark_engine

        spark_engine._line_ranges = lambda spark, plan: None  # type: ignore[assignment]

    s3_input = engine == "spark-s3"
    config = JobConfig.from_mapping(
        {
            **({"workers": workers} if workers and engine == "local" else {}),
            **({"s3_endpoint_url": os.environ["BENCH_S3_ENDPOINT"]} if s3_input else {}),
            "inputs": [f"s3://{_BUCKET}/{data.name}" if s3_input else str(data)],
            "dataset_id": "bench",
            "country_code": country,
            "pii": PII_SPEC,
            "event_time": "purchase_ts",
            "max_timestamp_failure_share": 1.0,
            "instances": ["bench01"],
            "output": str(out),
            "stage_only": True,
            "engine": "spark" if engine.startswith("spark") else engine,
        }
    )
    spark = None
    started = time.perf_counter()
    if engine.startswith("spark"):
        from amc_uploader.job.spark_engine import build_spark_session

        spark = build_spark_session(master=os.environ.get("BENCH_SPARK_MASTER", "local[2]"))
    session_s = time.perf_counter() - started
    t0 = time.perf_counter()
    result = run_job(config, spark=spark)
    job_s = time.perf_counter() - t0
    jvm_kb = _jvm_peak_kb(spark) if spark is not None else None
    # Driver, JVM and Python workers, before the session stops (workers die with it, unreaped).
    tree_cpu = _tree_cpu_seconds(os.getpid())
    if spark is not None:
        spark.stop()
    return {
        "engine": engine,
        "rows_in": result.report.rows_in,
        "rows_out": result.report.rows_out,
        "partitions": result.report.partitions,
        "bytes_written": result.report.bytes_written,
        "session_start_s": round(session_s, 2),
        "job_s": round(job_s, 2),
        "rows_per_s": round(result.report.rows_in / job_s),
        "driver_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        if engine == "local"
        else None,
        "jvm_peak_rss_mb": round(jvm_kb / 1024, 1) if jvm_kb else None,
        "process_tree_cpu_s": round(tree_cpu, 1),
    }


_BUCKET = "bench"


def _start_s3(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A moto S3 server on loopback, in a process of its own (so that it weighs on no measured process),
    holding ``data`` (for ``spark-s3``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    # Uploaded from a child too: a child's peak RSS counts its parent's at the fork (Linux keeps the
    # high-water mark across exec), and boto3 would weigh on every engine's figure.
    upload = (
        "import sys, time, boto3\n"
        "client = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')\n"
        "for _ in range(100):\n"
        "    try:\n"
        "        client.create_bucket(Bucket=sys.argv[2])\n"
        "        break\n"
        "    except Exception:\n"
        "        time.sleep(0.1)\n"
        "client.upload_file(sys.argv[3], sys.argv[2], sys.argv[4])\n"
    )
    subprocess.run([sys.executable, "-c", upload, endpoint, _BUCKET, str(data), data.name], check=True)
    return server, endpoint


def rule_shares(data: Path, country: str, sample: int) -> dict[str, float]:
    """Seconds per PII rule over `sample` rows with the engines' compiled hashers, as shares of the sum."""
    from amc_normalize import get_hasher

    columns: dict[str, list[str | None]] = {c: [] for c in PII_SPEC}
    with data.open(newline="", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= sample:
                break
            for c in PII_SPEC:
                columns[c].append(row[c] or None)
    seconds: dict[str, float] = {}
    for column, pii_type in PII_SPEC.items():
        hasher = get_hasher(pii_type, country)
        values = columns[column]
        t0 = time.perf_counter()
        for value in values:
            hasher(value)
        seconds[pii_type] = time.perf_counter() - t0
    total = sum(seconds.values())
    return {t: round(s / total, 3) for t, s in sorted(seconds.items(), key=lambda kv: -kv[1])}


#: A Glue G.1X worker is 1 DPU with 4 vCPUs.
VCPUS_PER_DPU = 4


def glue_cost(cpu_s_per_row: float, rows: int, dpu_hour_price: float) -> float:
    """USD for `rows` at the measured CPU seconds per row, every vCPU of a DPU busy (a lower bound: no
    start-up, no idle cores)."""
    return cpu_s_per_row * rows / 3600 / VCPUS_PER_DPU * dpu_hour_price


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="local,spark")
    parser.add_argument("--country", default="US")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep-data", action="store_true")
    parser.add_argument("--sample", type=int, default=100_000, help="rows for the per-rule time shares")
    parser.add_argument("--dpu-hour-price", type=float, default=0.44, help="Glue price per DPU-hour (USD)")
    parser.add_argument("--workers", type=int, default=None, help="local engine worker processes")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of every engine, interleaved; the figures compared are each engine's best round",
    )
    parser.add_argument(
        "--no-core",
        action="store_true",
        help="skip the normalize_records run (it holds every row in memory: for --rows 10000000, to read the "
        "engines' peak RSS against a 1 M run)",
    )
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        engine, data, out = args.child
        if engine == "normalize_records":
            print(json.dumps(run_normalize_records(Path(data), args.country)))
        else:
            print(json.dumps(run_engine(engine, Path(data), Path(out), args.country, args.workers)))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="amc-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"customers-{args.rows}.csv"
    if not data.exists():
        t0 = time.perf_counter()
        generate(data, args.rows, args.seed)
        size_mb = data.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} (shared machine: figures vary)")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    engines = args.engines.split(",")
    server = None
    if "spark-s3" in engines:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(key, "bench")
            env.setdefault(key, "bench")
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        server, env["BENCH_S3_ENDPOINT"] = _start_s3(data)
    if "local" in engines and not args.no_core:
        engines = ["normalize_records", *engines]
    measured: dict[str, dict[str, object]] = {}
    workers = ["--workers", str(args.workers)] if args.workers else []
    for engine in [e for _ in range(args.repeat) for e in engines]:  # interleaved rounds
        out = workdir / f"out-{engine}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--country",
                args.country,
                *workers,
                "--child",
                engine,
                str(data),
                str(out),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU seconds of the whole process tree (driver, JVM, Python workers): on a shared machine the
        # wall time mostly measures the neighbours; CPU time / cores is what an idle machine would take.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            print(f"{engine}: failed\n{done.stderr[-3000:]}")
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures["process_wall_s"] = round(wall, 1)
        figures.setdefault("process_tree_cpu_s", round(cpu, 1))
        if engine != "normalize_records":
            rows = int(figures["rows_in"])  # type: ignore[call-overload]
            cpu_per_row = float(figures["process_tree_cpu_s"]) / max(rows, 1)  # type: ignore[arg-type]
            figures["end_to_end_rows_per_s"] = round(rows / wall)
            figures["cpu_us_per_row"] = round(cpu_per_row * 1e6, 1)
            glue = glue_cost(cpu_per_row, 100_000_000, args.dpu_hour_price)
            figures["glue_usd_per_100m_rows"] = round(glue, 2)
        speed = "rows_per_s" if engine == "normalize_records" else "end_to_end_rows_per_s"
        best = measured.get(engine)
        if best is None or float(figures[speed]) > float(best[speed]):  # type: ignore[arg-type]
            measured[engine] = figures
        print(json.dumps({"engine": engine, **figures} if engine == "normalize_records" else figures))
        shutil.rmtree(out, ignore_errors=True)
    if args.repeat > 1:
        print(f"best of {args.repeat} interleaved rounds per engine:")
        for engine, figures in measured.items():
            print(json.dumps({"engine": engine, **figures} if engine == "normalize_records" else figures))
    if "local" in measured and "normalize_records" in measured:
        local, core = measured["local"], measured["normalize_records"]
        ratio = float(local["end_to_end_rows_per_s"]) / float(core["rows_per_s"])  # type: ignore[arg-type]
        print(
            f"local engine: {local['end_to_end_rows_per_s']:,} rows/s end to end (process start included), "
            f"{ratio:.2f}x single-core normalize_records counting a report as the job does "
            f"({core['rows_per_s']:,} rows/s, same rows, this run; "
            f"{float(local['end_to_end_rows_per_s']) / float(core['rows_per_s_no_report']):.2f}x its "  # type: ignore[arg-type]
            f"{core['rows_per_s_no_report']:,} rows/s without a report); "
            f"{local['cpu_us_per_row']} CPU us/row; peak RSS main {local['driver_peak_rss_mb']} MiB, "
            f"largest worker {local['worker_peak_rss_mb']} MiB; load average {os.getloadavg()[0]:.1f}"
        )
    if server is not None:
        server.terminate()
        server.wait()
    for name in ("spark", "spark-reader", "spark-s3"):
        if name in measured and "local" in measured:
            spark_us, local_us = measured[name]["cpu_us_per_row"], measured["local"]["cpu_us_per_row"]
            print(
                f"{name}: {spark_us} CPU us/row (process tree, JVM included), "
                f"{float(spark_us) / float(local_us):.2f}x the local engine's {local_us}"  # type: ignore[arg-type]
            )
    print("time share per PII rule (compiled hashers, sample of", args.sample, "rows):")
    print(json.dumps(rule_shares(data, args.country, args.sample)))
    if not args.keep_data and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
