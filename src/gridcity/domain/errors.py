"""Domain errors. The API maps each subclass to one HTTP status, the CLI to one exit message."""


class DomainError(Exception):
    """Base of every error the platform raises on purpose; the message is shown to the user."""

    status_code = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(DomainError):
    """Input that breaks a rule (bad code, bad geometry, missing field)."""

    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Unauthorized(DomainError):
    """No or bad credentials."""

    status_code = 401


class Forbidden(DomainError):
    """The caller is known but may not do this (role or scope)."""

    status_code = 403


class Conflict(DomainError):
    """The request is valid but clashes with the current state (stale version, duplicate)."""

    status_code = 409


class InvalidTransition(Conflict):
    """A workflow action that is not allowed from the case's current state."""
