"""The client's address as the application sees it, one rule for the login lockout and the API throttle.

Behind `TRUSTED_PROXY_COUNT` proxies, each appending the address it received the request from to
X-Forwarded-For, the client is the entry that many places from the right: entries to its left were
written by the client itself and are not trusted. With no proxy (0) it is REMOTE_ADDR, whatever the
header says. DRF's throttles apply this rule with REST_FRAMEWORK["NUM_PROXIES"]; the settings give
both the same count, and this reuses DRF's implementation rather than a second parser.
"""

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The client's address for `request` (a Django or DRF request)."""
    return BaseThrottle().get_ident(request)
