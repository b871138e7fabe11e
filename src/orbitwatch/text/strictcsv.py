"""CSV read for import: header and rows as dicts, and every syntax error (a cell past the csv
module's limit, a NUL, a stray quote) a ValueError naming the line, never a crash.

Parsing only; what a row may hold is importing.py's business.
"""

from __future__ import annotations

import csv
import io


def dict_rows(data: str) -> list[dict[str, str]]:
    """The rows of a CSV text under its header line."""
    reader = csv.DictReader(io.StringIO(data, newline=""))
    try:
        return [dict(row) for row in reader]
    except csv.Error as exc:
        line = reader.reader.line_num
        if "field limit" in str(exc):
            limit = csv.field_size_limit()
            raise ValueError(
                f"line {line}: a cell is longer than {limit:,} characters ({limit // 1024} KiB), "
                "the most a CSV cell may hold"
            ) from None
        raise ValueError(f"line {line}: {exc}") from None
