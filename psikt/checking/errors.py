class CouldNotRead(ValueError):
    """The text is not something the checker can read; the message is safe to show a learner."""
