"""Gzip partitions under a size cap: the data files a job stages (AMC reads files up to 1 GB, spec B.14)."""

from __future__ import annotations

import shutil
import struct
import tempfile
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from isal import isal_zlib

from amc_uploader.job.errors import StagingError

__all__ = [
    "CHUNK_BYTES",
    "DEFAULT_PARTITION_CAP",
    "LEVEL",
    "MAX_PARTITION_CAP",
    "MIN_PARTITION_CAP",
    "ChunkPartitionWriter",
    "DeflatedChunk",
    "GzipPartitionWriter",
    "SpooledPartition",
    "crc32_combine",
    "deflate_chunk",
    "deflate_lines",
    "validate_partition_cap",
]

# D.3: the reference's own ceiling; AMC only recommends <= 1 GB per file (B.14).
DEFAULT_PARTITION_CAP = 500_000_000
MAX_PARTITION_CAP = 1_000_000_000
# Below this a gzip member cannot hold a header plus a row in a useful way.
MIN_PARTITION_CAP = 1024
#: The deflate level of every partition, for ISA-L (`isal_zlib`, levels 0-3; zlib-compatible streams). On
#: hashed output ISA-L level 2 is about 10x faster than zlib level 6 and as small (0.345 of the raw bytes
#: against 0.350: bench/job_bench.py's rows); level 0 expands incompressible data, so it is never used.
LEVEL = 2


def validate_partition_cap(cap: int) -> int:
    if not MIN_PARTITION_CAP <= cap <= MAX_PARTITION_CAP:
        raise StagingError(
            f"partition cap {cap} bytes is outside [{MIN_PARTITION_CAP}, {MAX_PARTITION_CAP}] "
            "(AMC reads files up to 1 GB)"
        )
    return cap


@dataclass(frozen=True)
class SpooledPartition:
    """A finished gzip partition in a local spool file, waiting to be staged."""

    index: int
    path: Path
    rows: int
    size_bytes: int


#: Buffered bytes that trigger a compressor call.
_DRAIN_AT = 65_536


def _deflate_bound(n: int) -> int:
    # Worst case of deflate on incompressible input is stored blocks: 5 bytes per <= 65535-byte block;
    # zlib's deflateBound() adds ~0.03% + 13. We over-estimate on purpose (n/1024 + 64).
    return n + (n >> 10) + 64


class _SpoolWriter:
    """What both partition writers share: the spool directory, the next partition's path, publishing a
    finished partition (cap invariant, totals, callback) and the clean-up on abort."""

    def __init__(
        self,
        cap: int,
        spool_dir: Path | None,
        on_partition: Callable[[SpooledPartition], None] | None,
    ) -> None:
        self.cap = validate_partition_cap(cap)
        self.on_partition = on_partition
        self._own_spool = spool_dir is None
        self.spool_dir = Path(tempfile.mkdtemp(prefix="amc-spool-")) if spool_dir is None else spool_dir
        self.partitions: list[SpooledPartition] = []
        self._file: Any = None
        self._path: Path | None = None
        self.total_rows = 0
        self.total_bytes = 0

    def _open_file(self) -> None:
        self._path = self.spool_dir / f"part-{len(self.partitions):05d}.gz"
        self._file = self._path.open("wb")

    def _publish(self, rows: int, size: int) -> None:
        """Record the closed file at `_path` as the next partition and hand it on."""
        assert self._path is not None
        part = SpooledPartition(len(self.partitions), self._path, rows, size)
        if part.size_bytes > self.cap:  # each writer's bound makes this unreachable
            raise StagingError(f"partition {part.index} is {part.size_bytes} bytes, above the cap {self.cap}")
        self.partitions.append(part)
        self.total_rows += part.rows
        self.total_bytes += part.size_bytes
        if self.on_partition is not None:
            self.on_partition(part)

    def discard(self) -> None:
        """Abort: close and delete every spool file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        for part in self.partitions:
            part.path.unlink(missing_ok=True)
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        if self._own_spool:
            shutil.rmtree(self.spool_dir, ignore_errors=True)


class GzipPartitionWriter(_SpoolWriter):
    """Streams lines into gzip files that never exceed ``cap`` compressed bytes.

    The cap holds on any data: before each line we bound the final size by the exact compressed bytes
    already emitted plus deflate's worst-case expansion of everything not yet emitted and the gzip
    trailer. When the bound crosses the cap we sync-flush (making the emitted count exact) and test again;
    if the line still does not fit, or less than ``margin`` bytes remain, the partition is closed and the
    line starts the next one. Every partition repeats ``header`` (CSV header row).
    """

    _GZIP_OVERHEAD = 10 + 8 + 16  # header, trailer, final empty block and flush markers

    def __init__(
        self,
        cap: int = DEFAULT_PARTITION_CAP,
        *,
        header: bytes | None = None,
        spool_dir: Path | None = None,
        on_partition: Callable[[SpooledPartition], None] | None = None,
        margin: int | None = None,
        level: int = LEVEL,
    ) -> None:
        super().__init__(cap, spool_dir, on_partition)
        self.header = header
        self.margin = margin if margin is not None else max(self.cap // 100, 256)
        self.level = level
        self._compressor: Any = None
        self._emitted = 0
        self._pending = 0
        self._rows = 0
        self._buf: list[bytes | memoryview] = []
        self._buf_len = 0

    def _open(self) -> None:
        self._open_file()
        self._compressor = isal_zlib.compressobj(self.level, isal_zlib.DEFLATED, 31)
        self._emitted = 0
        self._pending = 0
        self._rows = 0
        self._buf.clear()
        self._buf_len = 0
        if self.header is not None:
            if _deflate_bound(len(self.header)) + self._GZIP_OVERHEAD > self.cap:
                raise StagingError("the header row alone exceeds the partition cap")
            self._feed(self.header)

    def _feed(self, data: bytes) -> None:
        # Small records are batched before reaching zlib (one compressor call per ~64 KB instead of per line).
        self._buf.append(data)
        self._buf_len += len(data)
        self._pending += len(data)
        if self._buf_len >= _DRAIN_AT:
            self._drain()

    def _drain(self) -> None:
        if self._buf:
            out = self._compressor.compress(b"".join(self._buf))
            self._buf.clear()
            self._buf_len = 0
            if out:
                self._file.write(out)
                self._emitted += len(out)

    def _flush(self) -> None:
        self._drain()
        out = self._compressor.flush(isal_zlib.Z_SYNC_FLUSH)
        self._file.write(out)
        self._emitted += len(out)
        self._pending = 0

    def _fits(self, n: int) -> bool:
        return self._emitted + _deflate_bound(self._pending + n) + self._GZIP_OVERHEAD <= self.cap

    def write(self, line: bytes) -> None:
        """Write one complete record (including its line terminator)."""
        if self._file is None:
            self._open()
        elif not self._fits(len(line)):
            if self._pending:
                self._flush()
            if not self._fits(len(line)) or self.cap - self._emitted < self.margin:
                self._close_partition()
                self._open()
        if self._rows == 0 and not self._fits(len(line)):
            self._flush()
        if self._rows == 0 and not self._fits(len(line)):
            raise StagingError(f"a single record of {len(line)} bytes does not fit in the partition cap")
        self._feed(line)
        self._rows += 1

    def _close_partition(self) -> None:
        self._drain()
        out = self._compressor.flush(isal_zlib.Z_FINISH)
        self._file.write(out)
        self._emitted += len(out)
        self._file.close()
        self._file = None
        self._publish(self._rows, self._emitted)

    def close(self) -> list[SpooledPartition]:
        """Finish the open partition (if any row was written) and return all partitions."""
        if self._file is not None:
            if self._rows:
                self._close_partition()
            else:
                self._file.close()
                self._file = None
        return self.partitions


#: Most uncompressed bytes per independently deflated chunk (`deflate_lines`): a fresh compressor per
#: chunk costs ~1% of the ratio on hashed output at 1 MB (7% at 128 KB), and a partition closes at most a
#: chunk short of its cap.
CHUNK_BYTES = 1 << 20
# A gzip header as zlib writes it for wbits=31 (no name, no mtime, OS Unix); the final block is an
# empty fixed block.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_FINAL_BLOCK = b"\x03\x00"
_TRAILER = 8


@dataclass(frozen=True, slots=True)
class DeflatedChunk:
    """Complete records deflated on their own (raw deflate, byte-aligned, not final), so chunks compressed
    apart (by different processes) concatenate into one gzip member, as pigz does."""

    data: bytes
    crc: int
    size: int
    rows: int


def deflate_chunk(data: bytes | memoryview, rows: int, level: int = LEVEL) -> DeflatedChunk:
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, -15)
    out = compressor.compress(data) + compressor.flush(isal_zlib.Z_SYNC_FLUSH)
    return DeflatedChunk(out, isal_zlib.crc32(data), len(data), rows)


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from crc32(A), crc32(B) and len(B) (zlib's crc32_combine, in ISA-L)."""
    return isal_zlib.crc32_combine(crc1, crc2, len2)


def _member_room(cap: int, header: DeflatedChunk | None) -> int:
    """Deflated record bytes a partition holds besides the gzip framing and the header row."""
    room = cap - len(_GZIP_HEADER) - len(_FINAL_BLOCK) - _TRAILER - (len(header.data) if header else 0)
    if header is not None and room < 1:
        raise StagingError("the header row alone exceeds the partition cap")
    return room


def deflate_lines(
    data: bytes,
    lengths: Sequence[int],
    cap: int,
    header: bytes | None = None,
    level: int = LEVEL,
) -> list[DeflatedChunk]:
    """Consecutive complete records (``data`` cut at ``lengths``) as chunks that each fit in a partition of
    ``cap`` bytes beside the header: equal pieces of at most `CHUNK_BYTES` (and half of the room) each,
    halved until they fit; a record that does not fit alone fails the job."""
    room = _member_room(cap, deflate_chunk(header, 0, level) if header is not None else None)
    most = max(min(CHUNK_BYTES, room // 2), 1)
    target = -(-len(data) // -(-len(data) // most)) if data else most
    ends = list(accumulate(lengths))
    view = memoryview(data)
    chunks: list[DeflatedChunk] = []

    def add(i: int, j: int) -> None:
        start = ends[i - 1] if i else 0
        chunk = deflate_chunk(view[start : ends[j - 1]], j - i, level)
        if len(chunk.data) <= room:
            chunks.append(chunk)
        elif j - i == 1:
            raise StagingError(f"a single record of {chunk.size} bytes does not fit in the partition cap")
        else:
            mid = (i + j) // 2
            add(i, mid)
            add(mid, j)

    i = 0
    while i < len(ends):
        start = ends[i - 1] if i else 0
        j = max(bisect_right(ends, start + target, i), i + 1)
        add(i, j)
        i = j
    return chunks


class ChunkPartitionWriter(_SpoolWriter):
    """Writes `DeflatedChunk`s into gzip partitions of at most ``cap`` bytes, each ONE standard gzip member
    (header, the header row's chunk, record chunks, a final empty block, CRC-32 and size): a partition is
    closed when the next chunk would not fit, so partitions close at chunk boundaries."""

    def __init__(
        self,
        cap: int = DEFAULT_PARTITION_CAP,
        *,
        header: bytes | None = None,
        spool_dir: Path | None = None,
        on_partition: Callable[[SpooledPartition], None] | None = None,
        level: int = LEVEL,
    ) -> None:
        super().__init__(cap, spool_dir, on_partition)
        self.header = deflate_chunk(header, 0, level) if header is not None else None
        self.room = _member_room(self.cap, self.header)
        self._used = 0
        self._rows = 0
        self._crc = 0
        self._size = 0

    def _open(self) -> None:
        self._open_file()
        self._file.write(_GZIP_HEADER)
        self._used = self._rows = self._crc = self._size = 0
        if self.header is not None:
            self._append(self.header)
            self._used = 0

    def _append(self, chunk: DeflatedChunk) -> None:
        self._file.write(chunk.data)
        self._used += len(chunk.data)
        self._rows += chunk.rows
        self._crc = crc32_combine(self._crc, chunk.crc, chunk.size)
        self._size += chunk.size

    def write_chunks(self, chunks: Sequence[DeflatedChunk]) -> None:
        for chunk in chunks:
            if len(chunk.data) > self.room:  # deflate_lines makes this unreachable for the same cap
                raise StagingError(f"a chunk of {chunk.rows} record(s) does not fit in the partition cap")
            if self._file is not None and self._used + len(chunk.data) > self.room:
                self._close_partition()
            if self._file is None:
                self._open()
            self._append(chunk)

    def _close_partition(self) -> None:
        self._file.write(_FINAL_BLOCK + struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
        self._file.close()
        self._file = None
        assert self._path is not None
        self._publish(self._rows, self._path.stat().st_size)

    def close(self) -> list[SpooledPartition]:
        """Finish the open partition (it holds a record once open) and return all partitions."""
        if self._file is not None:
            self._close_partition()
        return self.partitions
