"""The API's JSON parser, with a bound on nesting.

A body nested ~1,000 deep made the standard parser raise RecursionError, a 500 (issue 18, defect
10); one just under what the parser survives would reach code that walks it recursively. No request
of the API nests deeper than a few levels, so anything deeper than MAX_JSON_DEPTH is refused as a
parse error (400, {"error": "parse_error", ...}) before any view sees it."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests objects and arrays more than `limit` deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth_exceeds(data):
            raise too_deep
        return data
