"""Every limit of the readers, in one place (the Spark engine passes the same ones to Spark)."""

from __future__ import annotations

#: Longest CSV field, in characters (Python's default is 128 KiB, too small for long free-text columns).
FIELD_LIMIT = 16 * 1024 * 1024
#: Most columns a file may declare (Spark's own default for CSV, so both engines agree).
MAX_COLUMNS = 20_480
#: Bytes looked at to tell gzip, Parquet and JSON lines apart when the name does not say.
SNIFF_BYTES = 65_536
#: Read buffer of the byte streams (local files, S3 bodies).
READ_BUFFER = 1 << 20
#: Rows per Parquet record batch.
PARQUET_BATCH_ROWS = 8_192
#: A preview downloads a Parquet file whole (it needs random access): at most this much.
HEAD_MAX_PARQUET_BYTES = 256 * 1024 * 1024
