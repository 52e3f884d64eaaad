"""Judging a literal value: template, placeholder, code expression, or a real secret."""

import math
import re
from collections import Counter

_TEMPLATE = re.compile(
    r"\$\{|\{\{|\}\}|\{%|<%|%\(\w*\)[sd]|^%[sd]$|^\{\w*\}$|^\$[A-Za-z_(]|^%\w+%$|^<[^>]*>$|"
    r"^\[[^\]]*\]$|\[[A-Za-z_]+\]|^@\w+@$|^\$\d$|^:\w+$|^\{\d*\}$|^\?$|^__\w+__$|^\$\$"
)
_MASK = re.compile(r"^:?(?:[*xX•#.\-_?]{2,}|\*+\w{0,4}|x+\d{0,4})$")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)your|_here|-here|\bhere\b|placeholder|not.?a.?real|redacted|replace.?me|change.?this|"
    r"insert|example|sample|dummy|fake|mock|xxxx|\.\.\.|todo|fixme|enter.?(?:a|the|your)|"
    r"^<|>$|secret.?goes|put.?your|some.?secret|no.?secret|none|null|undefined"
)
_KEYWORD_LITERALS = frozenset(
    [
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "yes",
        "no",
        "on",
        "off",
        "~",
        "required",
        "optional",
        "string",
        "str",
        "int",
        "bool",
        "boolean",
        "any",
        "object",
        "string?",
        "text",
        "number",
        "char",
        "bytes",
        "void",
        "env",
        "password",
        "passwd",
        "token",
        "key",
        "value",
        "self",
        "this",
        "default",
        "empty",
    ]
)
_STRONG_CODE = re.compile(
    r"[()\[\]{}]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^(?:os|env|process|settings|config|ENV|System|"
    r"self|this|args|opts|options|params|request|req|cfg|conf)\.|^[!&*|>]"
)
_CODE = re.compile(
    r"[()\[\]{}]|^\w+(?:\.\w+)+$|^(?:os|env|process|settings|config|ENV|System|self|this|"
    r"args|opts|options|params|request|req|cfg|conf)\b|^[a-z]+[A-Z]\w*$|^\w+_\w+$"
)
_UUID = re.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_IDENTIFIER = re.compile(r"^[A-Za-z]+(?:[_.\-/:][A-Za-z]+)*$")
_PATHLIKE = re.compile(r"^(?:[./~\\]|[A-Za-z]:\\|\w+://)|\.(?:pem|key|json|txt|ya?ml|crt|p12)$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def is_template(value: str) -> bool:
    return bool(_TEMPLATE.search(value))


def is_mask(value: str) -> bool:
    return bool(_MASK.match(value)) or len(set(value)) == 1


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER_WORDS.search(value)) or value.lower() in _KEYWORD_LITERALS


def looks_like_code(value: str, strict: bool = True) -> bool:
    """An unquoted value that reads as an expression or variable rather than a literal.

    `strict=False` is for config lines, where bare words are literals.
    """
    pattern = _CODE if strict else _STRONG_CODE
    return bool(pattern.search(value)) or value.lower() in _KEYWORD_LITERALS


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def unusable(value: str) -> bool:
    """Empty, templated, masked or placeholder: never a credential worth labeling."""
    stripped = value.strip()
    return (
        not stripped
        or is_template(stripped)
        or is_mask(stripped)
        or is_placeholder(stripped)
        or "\\n" in value
    )


def secret_like(value: str, min_length: int = 16) -> bool:
    """Does a value read as a machine-made secret (API key, token) rather than a word?"""
    if not min_length <= len(value) <= 512 or any(c.isspace() for c in value):
        return False
    if not value.strip() or is_template(value) or is_mask(value) or "\\n" in value:
        return False
    if "..." in value:
        return False  # shortened in docs: "eyJhbGciOi...", "EXAMPLE_TOKEN_DATA..."
    bits = entropy(value)
    # "EXAMPLE" inside a random-looking value (AWS's documented keys) is still a key.
    if bits < 4.0 and is_placeholder(value):
        return False
    if is_uuid(value) or _IDENTIFIER.match(value) or _PATHLIKE.search(value):
        return False
    if value.startswith("data:") or value.count("/") > 4:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    threshold = 3.0 if _HEX.match(value) else 3.3
    return classes >= 2 and any(c.isdigit() for c in value) and bits >= threshold
