from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tutor.accounts.models import ApiClient


class Command(BaseCommand):
    help = "Create an API client and print its token (shown once; only a hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--rotate", action="store_true", help="issue a new token for an existing client")

    @transaction.atomic
    def handle(self, *args, name: str, rotate: bool, **options):
        client = ApiClient.objects.filter(name=name).first()
        if client is not None and not rotate:
            raise CommandError(f"an API client named {name!r} exists; use --rotate to issue it a new token")
        client = client or ApiClient(name=name)
        token = client.issue_token()
        client.save()
        self.stdout.write(token)
