"""The one error of every reader and writer: names the file, the line and the column, never a value."""

from __future__ import annotations

import re
from pathlib import Path

#: A header this long, or with this many digits, is more likely a value (a phone, a date, an id) than a name.
_LONGEST_NAME = 64
_MOST_DIGITS = 5
_NUMERIC = re.compile(r"[\d\s+\-().,:/]*\d[\d\s+\-().,:/]*")


def looks_like_value(name: str) -> bool:
    """Whether a column name could be a customer's value (a header row that is data, a JSON key that is
    an e-mail address): an ``@``, mostly digits, a number, a long or unprintable name."""
    return (
        "@" in name
        or len(name) > _LONGEST_NAME
        or sum(c.isdigit() for c in name) >= _MOST_DIGITS
        or _NUMERIC.fullmatch(name) is not None
        or not name.isprintable()
    )


def describe_column(name: str, position: int | None = None) -> str:
    """How a message names a column: quoted when it is a plain name, else by its 1-based position (or
    only as "a column") so that no value of the file reaches a message."""
    if not looks_like_value(name):
        return f"column {name!r}"
    return f"column {position}" if position is not None else "a column whose name looks like a value"


class RecordFileError(ValueError):
    """An input or output file cannot be used.

    The message is ``file[:line]: [column 'name': ]reason``. ``column`` is only ever a header the file
    declared (or a column the caller configured), never a cell value, and ``position`` its 1-based place
    in the header; a name that looks like a value is described by position, never quoted
    (``describe_column``: every message, stored job error and API answer goes through here). ``code`` is
    a stable machine name of the cause (the API answers with it).
    """

    def __init__(
        self,
        path: str | Path,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        position: int | None = None,
        code: str = "bad_file",
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        self.column = column
        self.position = position
        self.code = code
        where = self.path + (f":{line}" if line is not None else "")
        what = f"{describe_column(column, position)}: " if column is not None else ""
        super().__init__(f"{where}: {what}{reason}")

    @property
    def file(self) -> str:
        return self.path
