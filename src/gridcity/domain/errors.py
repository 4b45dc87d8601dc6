"""Domain errors. The API maps each subclass to one HTTP status, the CLI to one exit message."""

from __future__ import annotations

from gridcity.domain.messages import Message


class DomainError(Exception):
    """Base of every error the platform raises on purpose; the message is shown to the user — a
    catalogue `Message` in the language of the person asking, or (not yet converted) English text."""

    status_code = 400

    def __init__(self, message: str | Message, **details: object) -> None:
        super().__init__(str(message))
        self._message = message
        self.details = details

    @property
    def message(self) -> str:
        """The text in the current language (rendered when read, not when raised)."""
        return str(self._message)

    @property
    def reason(self) -> str | Message:
        """The refusal as raised, to pass into another message (rendered when that one is read)."""
        return self._message

    @property
    def code(self) -> str | None:
        return self._message.code if isinstance(self._message, Message) else None


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


class TooManyRequests(DomainError):
    """Too many attempts or submissions: the caller may try again after `retry_after` seconds
    (sign-in throttling and lockout, the rate limits on anonymous intake)."""

    status_code = 429

    def __init__(self, message: str | Message, retry_after: int, **details: object) -> None:
        super().__init__(message, **details)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    """The platform cannot take this request now (every slot busy); `retry_after` seconds later it may."""

    status_code = 503

    def __init__(self, message: str | Message, retry_after: int, **details: object) -> None:
        super().__init__(message, **details)
        self.retry_after = max(1, int(retry_after))
