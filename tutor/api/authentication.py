"""Token authentication for API clients: `Authorization: Token <key>`, matched by its SHA-256."""

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tutor.accounts.models import ApiClient


@dataclass(frozen=True)
class ClientPrincipal:
    """request.user for a program: authenticated, not a person, never staff."""

    api_client: ApiClient
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def pk(self) -> str:
        # Throttles key their counters by user pk; clients must not share a counter with users.
        return f"client-{self.api_client.pk}"

    id = pk


class ApiClientTokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str):
        client = ApiClient.objects.select_related("owner").filter(token_hash=ApiClient.hash_token(key)).first()
        # A deactivated person's programs stop with them: their tokens are refused like revoked ones
        # (issue 18, Deliver 9). A client without an owner answers for itself (`is_active`).
        if client is None or not client.is_active or (client.owner is not None and not client.owner.is_active):
            raise exceptions.AuthenticationFailed("invalid or inactive token")
        return ClientPrincipal(client), client


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiClientTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <key>"}
