"""Callers of the API, as the tests need them."""

from rest_framework.test import APIClient

from tutor.accounts.models import ApiClient


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def program(name: str) -> APIClient:
    """An API client with a fresh token, as a program would hold it."""
    client = ApiClient(name=name)
    token = client.issue_token()
    client.save()
    return token_client(token)


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def filled(body: dict, **ids) -> dict:
    """A parametrized request body with its "{name}" placeholders replaced by ids known only at run time."""
    names = {f"{{{name}}}": value for name, value in ids.items()}
    return {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
