"""A CSV file whose every line is one record, cut into ranges of whole lines without a CSV parser.

An uncompressed UTF-8 CSV file with its header on line 1 and not one quote character or lone CR in it
(as most exports are) needs no parser to find its records: a line is a record. Such a file is cut into
blocks of bytes, each block scanned at memory speed (`scan_block`: quote characters, lone CRs, line
ends), and the scans give ranges of whole lines, each knowing the line it starts on (`ranges_of`). The
local engine and the Spark engine's driver scan local files themselves (`line_ranges`); the Spark engine
scans `s3://` objects in tasks, a block each. `raw_batches` reads a range as `RawBatch` chunks, which
`BatchTransformer` parses with the same rules as `amc_uploader.io` (raising `NeedsExactRead` for anything
the reader would reject).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from amc_uploader.io import InputFormat
from amc_uploader.job.columnar import RawBatch
from amc_uploader.job.inputs import InputFile
from amc_uploader.job.plan import JobPlan

__all__ = [
    "HEADER_PROBE_BYTES",
    "RAW_CHUNK_BYTES",
    "BlockScan",
    "LineRange",
    "blocks",
    "header_end",
    "line_ranges",
    "may_go_by_lines",
    "open_span",
    "ranges_of",
    "raw_batches",
    "scan_block",
]

#: Bytes per `RawBatch`: about `columnar.BATCH_ROWS` rows of a typical file.
RAW_CHUNK_BYTES = 1 << 20
#: The header line must end within this many bytes (else the file goes to the reader).
HEADER_PROBE_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class LineRange:
    """Bytes ``start:end`` of a file (a local path or ``s3://`` URI), whole lines, the first of them
    line ``line``."""

    source: str
    path: str
    start: int
    end: int
    line: int


@dataclass(frozen=True, slots=True)
class BlockScan:
    """What a block of bytes ``start:end`` holds, never its content: whether it is clean (no quote
    character, no lone CR), its line ends (how many, where the first is), whether the byte before it
    ends a line, whether anything but line ends is in it."""

    start: int
    end: int
    clean: bool
    newlines: int
    first_newline: int  # a file offset, or -1
    after_newline: bool
    has_data: bool


def may_go_by_lines(plan: JobPlan, source: InputFile) -> bool:
    """Whether ``source`` can be read by lines at all, before looking at its bytes: CSV with a header,
    read as UTF-8, uncompressed, local or on S3, its delimiter known."""
    options = plan.config.csv
    return (
        plan.input_format is InputFormat.CSV
        and (source.local_path is not None or source.is_s3)
        and not plan.gzipped[source.uri]
        and options.header
        and options.encoding == "utf-8-sig"
        and plan.delimiter is not None
    )


@contextmanager
def open_span(path: str, start: int, end: int, s3_client: Any = None) -> Iterator[IO[bytes]]:
    """A binary stream of bytes ``start:end`` of a local file or an ``s3://`` object (one ranged GET)."""
    if not path.startswith("s3://"):
        with open(path, "rb") as f:
            f.seek(start)
            yield f
        return
    if end <= start:
        yield io.BytesIO(b"")
        return
    bucket, _, key = path.removeprefix("s3://").partition("/")
    body = s3_client.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}")["Body"]
    try:
        yield body
    finally:
        body.close()


def _chunks(path: str, start: int, end: int, s3_client: Any) -> Iterator[bytes]:
    with open_span(path, start, end, s3_client) as f:
        left = end - start
        while left > 0 and (chunk := f.read(min(RAW_CHUNK_BYTES, left))):
            left -= len(chunk)
            yield chunk


def header_end(plan: JobPlan, path: str, s3_client: Any = None) -> int | None:
    """Where the header line ends (after its line end), or None where the file may not go by lines: a
    blank header, a quote or a lone CR in it, no line end in the first `HEADER_PROBE_BYTES`."""
    with open_span(path, 0, HEADER_PROBE_BYTES, s3_client) as f:
        probe = f.read(HEADER_PROBE_BYTES)
    cut = probe.find(b"\n") + 1
    first = probe[:cut]
    if not cut or not first.removeprefix(codecs.BOM_UTF8).strip(b"\r\n"):
        return None
    if plan.config.csv.quote.encode() in first or first.count(b"\r") != first.count(b"\r\n"):
        return None
    return cut


def blocks(start: int, size: int, block_bytes: int | None) -> list[tuple[int, int]]:
    """Bytes ``start:size`` as blocks of ``block_bytes`` (at least `RAW_CHUNK_BYTES`; one block if None)."""
    step = max(RAW_CHUNK_BYTES, block_bytes or size)
    return [(a, min(a + step, size)) for a in range(start, size, step)] or [(start, size)]


def scan_block(path: str, span: tuple[int, int, int], quote: bytes, s3_client: Any = None) -> BlockScan:
    """Scan bytes ``start:end`` of a file of ``size`` bytes (``span``), and the byte on either side (for
    line ends and CR LF across blocks)."""
    start, end, size = span
    clean, newlines, first, has_data = True, 0, -1, False
    after_newline = True
    if start > 0:
        with open_span(path, start - 1, start, s3_client) as f:
            after_newline = f.read(1) == b"\n"
    at, tail = start, b""
    for chunk in _chunks(path, start, end, s3_client):
        if quote in chunk:
            clean = False
            break
        data = tail + chunk
        # Counting is a pass each: only for the blocks that hold a CR at all.
        if b"\r" in data and data.count(b"\r") != data.count(b"\r\n") + data.endswith(b"\r"):
            clean = False
            break
        if first < 0 and (found := chunk.find(b"\n")) >= 0:
            first = at + found
        newlines += chunk.count(b"\n")
        has_data = has_data or bool(chunk.strip(b"\r\n"))
        tail = data[-1:]
        at += len(chunk)
    if clean and tail == b"\r":  # a CR LF across the block's end, else a lone CR
        following = b""
        if end < size:
            with open_span(path, end, end + 1, s3_client) as f:
                following = f.read(1)
        clean = following == b"\n"
    return BlockScan(start, end, clean, newlines, first, after_newline, has_data)


def ranges_of(source: str, path: str, scans: list[BlockScan]) -> list[LineRange] | None:
    """The ranges of whole lines of a file from the scans of its blocks after the header (in order), a
    range from each block's first line start to the next one's; None if a block is not clean or no
    block holds data (the reader decides, with its exact message)."""
    if not all(s.clean for s in scans) or not any(s.has_data for s in scans):
        return None
    starts: list[tuple[int, int]] = []
    line = 2  # the header is line 1
    for scan in scans:
        if scan.after_newline:
            starts.append((scan.start, line))
        elif 0 <= scan.first_newline < scan.end - 1:
            starts.append((scan.first_newline + 1, line + 1))
        line += scan.newlines
    ends = [s for s, _ in starts[1:]] + [scans[-1].end]
    return [LineRange(source, path, s, e, n) for (s, n), e in zip(starts, ends, strict=True)]


def line_ranges(plan: JobPlan, source: InputFile, piece_bytes: int | None = None) -> list[LineRange] | None:
    """The data lines of a local file as one range, or as ranges of whole lines of about
    ``piece_bytes`` (at least `RAW_CHUNK_BYTES`), scanned here; None where its lines may not be
    records (`may_go_by_lines`, `header_end`, `ranges_of`) or the file is not local."""
    path = source.local_path
    if path is None or not may_go_by_lines(plan, source):
        return None
    try:
        size = path.stat().st_size
        start = header_end(plan, str(path))
        if start is None:
            return None
        quote = plan.config.csv.quote.encode()
        scans = []
        for a, b in blocks(start, size, piece_bytes):
            scan = scan_block(str(path), (a, b, size), quote)
            if not scan.clean:
                return None
            scans.append(scan)
    except OSError:
        return None
    return ranges_of(source.name, str(path), scans)


def raw_batches(lines: LineRange, s3_client: Any = None) -> Iterator[RawBatch]:
    """The range as `RawBatch` chunks of whole lines, about `RAW_CHUNK_BYTES` each, in order."""
    start = lines.line
    carry = b""
    for chunk in _chunks(lines.path, lines.start, lines.end, s3_client):
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # one line longer than a chunk: read on
            carry = data
            continue
        piece, carry = data[:cut], data[cut:]
        yield RawBatch(lines.source, start, piece)
        start += piece.count(b"\n")
    if carry:
        yield RawBatch(lines.source, start, carry)
