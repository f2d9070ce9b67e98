"""Every API error is JSON: {"error": code, "detail": human text, "fields": {...}?}."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApiError(exceptions.APIException):
    """A domain error with its own code and status, raised by views."""

    def __init__(self, code: str, detail: str, status_code: int = status.HTTP_400_BAD_REQUEST, fields=None):
        super().__init__(detail)
        self.error_code = code
        self.status_code = status_code
        self.fields = fields


def _code(exc) -> str:
    if isinstance(exc, ApiError):
        return exc.error_code
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, Http404 | exceptions.NotFound):
        return "not_found"
    return getattr(exc, "default_code", "error")


INVALID = "some fields are invalid"


def error_body(code: str, detail: str, fields=None) -> dict:
    return {"error": code, "detail": detail} | ({"fields": fields} if fields else {})


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django's own answer would be an HTML 400; the body is too large, which is a 413.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(error_body("request_too_large", f"the request body is over {limit} bytes"),
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: let Django report it (500 is a bug to fix, not to hide)
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        body = error_body(_code(exc), INVALID, fields)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body = error_body(_code(exc), str(detail), getattr(exc, "fields", None))
    return Response(body, status=response.status_code, headers=response.headers)
