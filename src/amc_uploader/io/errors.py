"""The one error of every reader and writer: names the file, the line and the column, never a value."""

from __future__ import annotations

from pathlib import Path


class RecordFileError(ValueError):
    """An input or output file cannot be used.

    The message is ``file[:line]: [column 'name': ]reason``. ``column`` is only ever a header the file
    declared (or a column the caller configured), never a cell value; ``code`` is a stable machine name
    of the cause (the API answers with it).
    """

    def __init__(
        self,
        path: str | Path,
        reason: str,
        *,
        line: int | None = None,
        column: str | None = None,
        code: str = "bad_file",
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        self.column = column
        self.code = code
        where = self.path + (f":{line}" if line is not None else "")
        what = f"column {column!r}: " if column is not None else ""
        super().__init__(f"{where}: {what}{reason}")

    @property
    def file(self) -> str:
        return self.path
