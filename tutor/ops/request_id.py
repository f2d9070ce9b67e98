"""A request id on every response and in every log line written while the request is served.

The id comes from the X-Request-ID header when a trusted proxy is in front (TRUSTED_PROXY_COUNT > 0,
so the proxy, not the client, wrote it), if it looks like an id; otherwise one is made. A reader
of the logs finds every line of one request, the 500 traceback included, by the id the client or
the proxy's access log shows."""

import contextvars
import logging
import re
import uuid

from django.conf import settings

HEADER = "X-Request-ID"
NO_REQUEST = "-"
# Ids that proxies write (nginx's $request_id is 32 hex digits; UUIDs); anything else is replaced,
# so a client cannot write arbitrary text into the log.
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current = contextvars.ContextVar("request_id", default=NO_REQUEST)


def _request_id(request) -> str:
    offered = request.headers.get(HEADER, "")
    if settings.TRUSTED_PROXY_COUNT > 0 and _ACCEPTED.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: every log line of the request, Django's own 500 report included, runs inside it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (NO_REQUEST outside a request), for the formatter to print.

    Django logs a 4xx answer after the middleware has returned, naming the request in the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or _current.get()
        return True
