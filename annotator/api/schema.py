"""Schema helpers shared by the views: the error body and response maps."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every 4xx body: one readable sentence, a code, and messages per field."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        help_text="Field name -> list of messages, nested as the input is; empty if none."
    )


def with_errors(ok: dict, *codes: int) -> dict:
    """`ok` plus an ErrorSerializer response for each status code (401 always)."""
    return {**ok, **{code: ErrorSerializer for code in sorted({401, *codes})}}
