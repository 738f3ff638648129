"""Inserting many plain rows at once: COPY on PostgreSQL, `bulk_create` elsewhere.

A matching run stores tens of thousands of proposals and verdicts in one transaction.
Through `bulk_create` each value goes through a model instance and the field's
preparation (~2.5 s of Python for 15k proposals, measured 2026-12-03); COPY takes the
values as text in one stream. The rows must already hold what the columns take: ids,
not model instances, and every NOT NULL column without a database default.
"""

import io
import json
from collections.abc import Iterable, Sequence

from django.db import connection, models


def rows_insert(*, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (values in the order of `columns`, the fields' attnames); the count."""
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows)
    return _objects_insert(model, columns, rows)


def _objects_insert(model, columns, rows) -> int:
    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def _copy(model, columns, rows) -> int:
    fields = [model._meta.get_field(name) for name in columns]
    as_json = [isinstance(field, models.JSONField) for field in fields]
    stream, count = io.StringIO(), 0
    for row in rows:
        values = (
            json.dumps(value, ensure_ascii=False) if is_json and value is not None else value
            for value, is_json in zip(row, as_json, strict=True)
        )
        stream.write("\t".join(map(_copy_text, values)) + "\n")
        count += 1
    if count:
        quote = connection.ops.quote_name
        names = ", ".join(quote(field.column) for field in fields)
        stream.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN", stream)
    return count


def _copy_text(value) -> str:
    """A value in COPY's text format: \\N for NULL, backslash escapes for the separators."""
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text
