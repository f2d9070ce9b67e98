"""Token authentication for API clients: `Authorization: Token <key>`, matched by its SHA-256.

Which client a token names is kept per process, by the token's hash (a hash names one client for
good: a new token is a new hash), so a request does not look the client up again. Whether the client
may still act (it and its owner active) can change at any time, also by a bulk update no signal
announces, so it is never taken from that cache: the first use of `request.user.api_client` reads
the client and refuses a dead one (401), and the step endpoints, which do not otherwise read the
client, check it in the query that locks the learners (`client_live`, steps.py).
"""

import threading

from django.db.models import BooleanField, ExpressionWrapper, Q
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tutor.accounts.models import ApiClient

CLIENTS_KEPT = 10_000
_client_ids: dict[str, int] = {}  # token hash -> client id
_lock = threading.Lock()


def _live(client: ApiClient | None) -> bool:
    # A deactivated person's programs stop with them: their tokens are refused like revoked ones
    # (issue 18, Deliver 9). A client without an owner answers for itself (`is_active`).
    return client is not None and client.is_active and (client.owner is None or client.owner.is_active)


def client_live(prefix: str = "") -> ExpressionWrapper:
    """Whether the client (reached through `prefix`, e.g. "learner__api_client__") may act, as an
    expression a query can annotate: what `_live` checks, without a query of its own."""
    live = Q(**{f"{prefix}is_active": True}) & (Q(**{f"{prefix}owner__isnull": True})
                                                  | Q(**{f"{prefix}owner__is_active": True}))
    return ExpressionWrapper(live, output_field=BooleanField())


def _refused() -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed("invalid or inactive token")


class ClientPrincipal:
    """request.user for a program: authenticated, not a person, never staff. `api_client` is read
    (and checked) on first use; `client_id` is known without a query."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, client_id: int, client: ApiClient | None = None):
        self.client_id, self._client = client_id, client

    @property
    def api_client(self) -> ApiClient:
        if self._client is None:
            client = ApiClient.objects.select_related("owner").filter(pk=self.client_id).first()
            if not _live(client):
                raise _refused()
            self._client = client
        return self._client

    def verify(self) -> None:
        """Refuse a client that may no longer act (401) unless it was read in this request."""
        self.api_client  # noqa: B018 -- reading it checks it

    @property
    def pk(self) -> str:
        # Throttles key their counters by user pk; clients must not share a counter with users.
        return f"client-{self.client_id}"

    id = pk


def checks_client_in_query(view, method: str) -> bool:
    """Whether the view checks its client in the query that locks its learners for this method
    (`client_checked_in_query`, a set of methods; access.states_stepped): only then is the check
    here left to it."""
    return method in getattr(view, "client_checked_in_query", ())


class ApiClientTokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        # DRF builds the authenticators for each request: the view's choice is this request's.
        view = (getattr(request, "parser_context", None) or {}).get("view")
        self.checked_later = checks_client_in_query(view, request.method)
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        token_hash = ApiClient.hash_token(key)
        client_id = _client_ids.get(token_hash)
        if client_id is not None and getattr(self, "checked_later", False):
            return ClientPrincipal(client_id), None
        client = ApiClient.objects.select_related("owner").filter(token_hash=token_hash).first()
        if not _live(client):
            raise _refused()
        with _lock:
            if len(_client_ids) >= CLIENTS_KEPT:
                _client_ids.clear()
            _client_ids[token_hash] = client.pk
        return ClientPrincipal(client.pk, client), client


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiClientTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <key>"}
