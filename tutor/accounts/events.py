"""What the accounts app tells other apps, by subscription rather than import (apps depend one way:
accounts knows nothing of the apps above it). A subscriber connects in its AppConfig.ready()."""

from django.dispatch import Signal

# Sent by the signup view inside the transaction that creates the user, with `user=`; a subscriber that
# raises undoes the signup. The learning app gives the new user their learner record.
user_signed_up = Signal()
