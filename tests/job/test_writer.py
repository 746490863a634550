"""The gzip partition writers: every partition under the cap, on any data; chunks deflated apart make
one standard gzip member."""

from __future__ import annotations

import gzip
import os
import random
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from amc_uploader.job.errors import StagingError
from amc_uploader.job.writer import ChunkPartitionWriter, GzipPartitionWriter, crc32_combine, deflate_lines


def _write_all(writer: GzipPartitionWriter, lines: list[bytes]) -> None:
    for line in lines:
        writer.write(line)
    writer.close()


def _read_parts(parts: list[Any]) -> list[bytes]:
    return [gzip.decompress(p.path.read_bytes()) for p in parts]


@pytest.mark.parametrize("cap", [1024, 5000, 65_536])
def test_cap_holds_on_incompressible_data(tmp_path: Path, cap: int) -> None:
    rng = random.Random(cap)
    lines = [rng.randbytes(rng.randint(1, 300)) + b"\n" for _ in range(2000)]
    writer = GzipPartitionWriter(cap, header=b"h1,h2\n", spool_dir=tmp_path)
    _write_all(writer, lines)
    parts = writer.partitions
    assert len(parts) > 1
    assert all(p.size_bytes <= cap for p in parts)
    assert all(p.path.stat().st_size == p.size_bytes for p in parts)
    bodies = _read_parts(parts)
    assert all(b.startswith(b"h1,h2\n") for b in bodies)
    assert b"".join(b[len(b"h1,h2\n") :] for b in bodies) == b"".join(lines)
    assert sum(p.rows for p in parts) == len(lines) == writer.total_rows


def test_compressible_data_fills_partitions(tmp_path: Path) -> None:
    lines = [f"{i},customer-{i % 97},2020-01-01T00:00:00Z\n".encode() for i in range(50_000)]
    cap = 20_000
    writer = GzipPartitionWriter(cap, spool_dir=tmp_path)
    _write_all(writer, lines)
    parts = writer.partitions
    assert all(p.size_bytes <= cap for p in parts)
    # Filled close to the cap (the safety margin is 1%, minimum 256 bytes), except the last one.
    assert all(p.size_bytes > cap * 0.9 for p in parts[:-1])
    assert b"".join(_read_parts(parts)) == b"".join(lines)


def test_cap_limits() -> None:
    with pytest.raises(StagingError, match="outside"):
        GzipPartitionWriter(1_000_000_001)
    with pytest.raises(StagingError, match="outside"):
        GzipPartitionWriter(10)


def test_record_larger_than_cap_is_an_error(tmp_path: Path) -> None:
    writer = GzipPartitionWriter(1024, spool_dir=tmp_path)
    with pytest.raises(StagingError, match="single record"):
        writer.write(os.urandom(5000))
    writer.discard()


def test_no_rows_no_partition(tmp_path: Path) -> None:
    writer = GzipPartitionWriter(1024, header=b"a\n", spool_dir=tmp_path)
    assert writer.close() == []


def test_crc32_combine_is_the_crc_of_the_concatenation() -> None:
    rng = random.Random(5)
    for _ in range(100):
        a, b = rng.randbytes(rng.randint(0, 5000)), rng.randbytes(rng.randint(0, 5000))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def _one_member(path: Path) -> bytes:
    inflate = zlib.decompressobj(31)
    content = inflate.decompress(path.read_bytes()) + inflate.flush()
    assert inflate.eof and inflate.unused_data == b""
    return content


@pytest.mark.parametrize("cap", [1024, 5000, 65_536])
def test_chunks_make_one_member_partitions_under_the_cap(tmp_path: Path, cap: int) -> None:
    rng = random.Random(cap)
    header = b"h" * 700 + b"\n"  # most of a 1 KB partition: chunks of several records must be halved
    writer = ChunkPartitionWriter(cap, header=header, spool_dir=tmp_path)
    lines: list[bytes] = []
    for _ in range(20):  # batches from different "workers", each far larger than the smallest cap
        batch = [rng.choice((rng.randbytes, os.urandom))(rng.randint(1, 250)) + b"\n" for _ in range(150)]
        lines += batch
        writer.write_chunks(deflate_lines(b"".join(batch), [len(x) for x in batch], cap, header))
    parts = writer.close()
    assert len(parts) > 1 and all(0 < p.size_bytes <= cap for p in parts)
    contents = [_one_member(p.path) for p in parts]
    assert all(c.startswith(header) for c in contents)
    assert b"".join(c[len(header) :] for c in contents) == b"".join(lines)
    assert sum(p.rows for p in parts) == writer.total_rows == len(lines)
    subprocess.run(["gzip", "-t", *(str(p.path) for p in parts)], check=True)


def test_a_record_larger_than_the_cap_fails(tmp_path: Path) -> None:
    big = os.urandom(2000) + b"\n"
    with pytest.raises(StagingError, match="single record of 2001 bytes"):
        deflate_lines(b"a\n" + big, [2, len(big)], 1024, b"h\n")
    with pytest.raises(StagingError, match="header row alone"):
        deflate_lines(b"a\n", [2], 1024, os.urandom(1100))
