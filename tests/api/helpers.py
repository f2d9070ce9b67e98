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
