"""JSON bodies with a nesting limit: a 2 KB body nested 1,000 deep must be a 400, not a 500.

Python's json module recurses once per level and raises RecursionError near 1,000;
nothing the API takes is nested more than a few levels, so deeper bodies are refused.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit: int) -> bool:
    """Whether `data` nests deeper than `limit`; iterative, so any depth is safe to check."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth > limit:
                return True
            stack.extend((item, depth + 1) for item in value)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(_("JSON 嵌套层数过多。")) from error
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(_("JSON 嵌套层数过多。"))
        return data
