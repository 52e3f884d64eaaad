"""One error shape for the whole API: {"detail": str, "code": str, "errors": {...}}.

`detail` is one readable sentence (the first problem when there are several);
`errors` maps each invalid field to its messages, nested the way the input is
(items of a list by their index, as DRF does: {"files": {"0": {"content": [...]}}}),
and is empty for errors that concern no field.
"""

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from annotator.core.exceptions import DomainError


class Conflict(APIException):
    """The request is valid, but the resource's state forbids it (closed, expired, ...)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource is in a state that does not allow this."
    default_code = "conflict"


def _join(path: str, key) -> str:
    if isinstance(key, int) or str(key).isdigit():  # an item of a list input
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _first_message(errors, path: str = "") -> str:
    """The first message, prefixed with where it belongs: `items[1].spans: ...`."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            inner = path if key == "non_field_errors" else _join(path, key)
            return _first_message(value, inner)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, str):
                return f"{path}: {value}" if path else str(value)
            if value:  # an empty dict is a valid list item
                return _first_message(value, _join(path, index))
    return f"{path}: {errors}" if path else str(errors)


def _errors(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        # A business rule said no; views translate the cases that deserve 403/409.
        exc = ValidationError({"non_field_errors": [str(exc)]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django answer 500 and log it
    if isinstance(exc, ValidationError):
        errors = _errors(response.data)
        detail = _first_message(errors)
        code = "invalid"
    else:
        detail = getattr(exc, "detail", response.data.get("detail", ""))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        errors = {}
    response.data = {"detail": str(detail), "code": code, "errors": errors}
    return response
