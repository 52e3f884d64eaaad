class DomainError(Exception):
    """A business rule refused an action; the message is safe to show to the user."""
