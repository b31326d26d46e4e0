"""Errors every capability raises; the web layer maps them to one JSON shape.

``{"error": code, "message": human text saying what to do, "details": optional data}``
"""

from __future__ import annotations

from typing import Any


class ReshareError(Exception):
    """Base of all expected, user-facing errors."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "details": self.details}


class ValidationFailed(ReshareError):
    status = 422
    code = "validation_failed"


class NotFound(ReshareError):
    status = 404
    code = "not_found"


class Conflict(ReshareError):
    status = 409
    code = "conflict"


class Unauthorized(ReshareError):
    status = 401
    code = "unauthorized"


class Forbidden(ReshareError):
    status = 403
    code = "forbidden"


class Unavailable(ReshareError):
    status = 503
    code = "unavailable"
