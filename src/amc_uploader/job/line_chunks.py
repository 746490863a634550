"""A CSV file whose every line is one record, cut into chunks of whole lines without a CSV parser.

A local, uncompressed UTF-8 CSV file with its header on line 1 and not one quote character or lone CR in
it (as most exports are) needs no parser to find its records: a line is a record. `line_ranges` finds
that in one scan at memory speed and cuts the file into ranges of whole lines, each knowing the line it
starts on; `raw_batches` reads a range as `RawBatch` chunks, which `BatchTransformer` parses with the
same rules as `amc_uploader.io` (raising `NeedsExactRead` for anything the reader would reject). The
local engine reads each file as one range; the Spark engine hands one range to each task.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

from amc_uploader.io import InputFormat
from amc_uploader.job.columnar import RawBatch
from amc_uploader.job.inputs import InputFile
from amc_uploader.job.plan import JobPlan

__all__ = ["RAW_CHUNK_BYTES", "LineRange", "line_ranges", "raw_batches"]

#: Bytes per `RawBatch`: about `columnar.BATCH_ROWS` rows of a typical file.
RAW_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class LineRange:
    """Bytes ``start:end`` of a local file, whole lines, the first of them line ``line``."""

    source: str
    path: str
    start: int
    end: int
    line: int


def line_ranges(plan: JobPlan, source: InputFile, piece_bytes: int | None = None) -> list[LineRange] | None:
    """The data lines of ``source`` as one range, or as ranges of whole lines of about ``piece_bytes``
    (at least `RAW_CHUNK_BYTES`), or None where its lines may not be records: not CSV with its header on
    line 1 read as UTF-8, not local, compressed, a quote character or lone CR anywhere, or no data line
    (the reader then decides, with its exact message)."""
    options = plan.config.csv
    path = source.local_path
    if (
        plan.input_format is not InputFormat.CSV
        or path is None
        or plan.gzipped[source.uri]
        or not options.header
        or options.encoding != "utf-8-sig"
        or plan.delimiter is None
    ):
        return None
    quote = options.quote.encode()
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            first = f.readline()
            if not first.removeprefix(codecs.BOM_UTF8).strip(b"\r\n") or quote in first:
                return None
            if first.count(b"\r") != first.count(b"\r\n"):
                return None
            step = max(RAW_CHUNK_BYTES, piece_bytes or size)
            cuts, lines = [len(first)], [2]
            line, at, tail, seen = 2, len(first), b"", False
            while chunk := f.read(RAW_CHUNK_BYTES):
                data = tail + chunk
                if quote in chunk:
                    return None
                # Counting is a pass each: only for the files that hold a CR at all.
                if b"\r" in data and data.count(b"\r") != data.count(b"\r\n") + data.endswith(b"\r"):
                    return None
                tail = data[-1:]
                seen = seen or bool(chunk.strip(b"\r\n"))
                end = at + len(chunk)
                if piece_bytes is not None:
                    cut = chunk.rfind(b"\n") + 1
                    if cut and end - cuts[-1] >= step and end < size:
                        cuts.append(at + cut)
                        lines.append(line + chunk.count(b"\n", 0, cut))
                    line += chunk.count(b"\n")
                at = end
    except OSError:
        return None
    if tail.endswith(b"\r") or not seen:  # no data line: the reader says so, with its message
        return None
    cuts.append(at)
    return [LineRange(source.name, str(path), *cut) for cut in zip(cuts, cuts[1:], lines, strict=False)]


def raw_batches(lines: LineRange) -> Iterator[RawBatch]:
    """The range as `RawBatch` chunks of whole lines, about `RAW_CHUNK_BYTES` each, in order."""
    with open(lines.path, "rb") as f:
        f.seek(lines.start)
        left = lines.end - lines.start
        start = lines.line
        carry = b""
        while True:
            chunk = f.read(min(RAW_CHUNK_BYTES, left)) if left > 0 else b""
            left -= len(chunk)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if cut == 0 and chunk:  # one line longer than a chunk: read on
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            if piece:
                yield RawBatch(lines.source, start, piece)
                start += piece.count(b"\n")
            if not chunk:
                break
