"""KEY: private keys, SSH public keys, API keys and tokens (the value only).

Known token formats are matched anywhere; other values count only when assigned to
a key/token/secret-like name and they read as machine-made (length, entropy, mix).
"""

import re

from annotator.detection import values
from annotator.detection.assignments import Assignment
from annotator.detection.context import Scan
from annotator.detection.triggers import TOKEN_HINTS, matches_at
from annotator.detection.types import KEY, Candidate, DetectedSpan

PEM_PRIORITY = 95
FORMAT_PRIORITY = 90
NAMED_PRIORITY = 60

_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
_PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY_LINE = re.compile(r"""[\s"'+,\\n]*[A-Za-z0-9+/=]{16,}|[\s"']*[\w-]+: """)
_PEM_MAX = 16_000
_PEM_BASE64 = re.compile(r"[A-Za-z0-9+/]{24}")
_FORMATS = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:"
    r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{60,255}"
    r"|glpat-[A-Za-z0-9_\-]{20,64}|gl(?:ptt|rt|dt|cbt|soat)-[A-Za-z0-9_\-]{20,64}"
    r"|xox[baprse]-[A-Za-z0-9\-]{10,250}"
    r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}|whsec_[A-Za-z0-9]{24,64}"
    r"|AIza[0-9A-Za-z_\-]{35}|ya29\.[0-9A-Za-z_\-]{20,}"
    r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
    r"|SG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64}"
    r"|npm_[A-Za-z0-9]{36}|pypi-AgE[A-Za-z0-9_\-]{50,}"
    r"|sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}"
    r"|sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,120}|sk-proj-[A-Za-z0-9_\-]{40,}"
    r"|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}|sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,43}"
    r"|key-[0-9a-f]{32}|dop_v1_[a-f0-9]{64}|hf_[A-Za-z]{34}"
    r"|\d{8,10}:AA[A-Za-z0-9_\-]{33}"
    r")(?![A-Za-z0-9_\-])"
)
# Every known format contains one of these; most texts contain none.
_HINTS = (*TOKEN_HINTS, "ASIA", "AIDA", "AROA", "A3T", ":AA")
_SLACK_WEBHOOK = re.compile(r"hooks\.slack\.com/services/(T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/\w{20,})")
_SSH_PUBLIC = re.compile(
    r"(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d{3}|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)"
    r"@openssh\.com)\s+AAAA[0-9A-Za-z+/]{40,16000}={0,3}"
)
_BARE_SSH_BLOB = re.compile(r"(?<![A-Za-z0-9+/])AAAA[BCE][0-9A-Za-z+/]{60,16000}={0,3}")
# Not `--next-token <cursor>`: a hyphenated option is not an auth scheme.
_BEARER = re.compile(r"(?i)(?<!-)\b(?:bearer|token)\s+([A-Za-z0-9_\-.~+/]{20,512}=*)")
# Tokens that page through results or guard against replays are not secrets.
_NOT_SECRET_WORDS = frozenset(
    {"next", "page", "paging", "pagination", "continuation", "cursor", "marker", "backward",
     "forward", "lock", "idempotency", "sync", "change", "resume"}
)  # fmt: skip
_KEY_WORDS = frozenset({"token", "secret", "apikey", "bearer", "credential", "credentials"})
_KEY_QUALIFIERS = frozenset(
    [
        "api",
        "access",
        "secret",
        "private",
        "auth",
        "client",
        "consumer",
        "app",
        "application",
        "master",
        "encryption",
        "signing",
        "session",
        "license",
        "service",
        "subscription",
        "account",
        "admin",
        "live",
        "prod",
        "stripe",
        "aws",
        "google",
        "gcp",
        "azure",
        "openai",
        "sendgrid",
        "mailgun",
        "twilio",
        "slack",
        "github",
        "gitlab",
        "jwt",
        "hmac",
        "webhook",
        "license",
        "x",
        "shared",
        "cookie",
        "csrf",
        "server",
        "oauth",
        "deploy",
    ]
)
_NOT_KEY_LAST = frozenset(
    [
        "id",
        "ids",
        "name",
        "names",
        "type",
        "types",
        "file",
        "path",
        "dir",
        "url",
        "uri",
        "endpoint",
        "header",
        "param",
        "field",
        "length",
        "len",
        "size",
        "count",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "prefix",
        "suffix",
        "env",
        "var",
        "ref",
        "arn",
        "label",
        "pattern",
        "regex",
        "format",
        "mode",
        "version",
        "provider",
        "manager",
        "service",
        "store",
        "handler",
        "class",
        "index",
        "column",
        "table",
        "cache",
        "storage",
        "bits",
        "hash",
        "hashed",
        "algorithm",
        "algo",
        "store",
        "location",
    ]
)


def find(scan: Scan, assignments: list[Assignment]) -> list[Candidate]:
    text = scan.text
    found: list[Candidate] = []
    if scan.has_cased("-----BEGIN"):
        found.extend(_pem_blocks(text))
    if scan.has_any_cased(_HINTS):
        found.extend(_token_formats(scan))
    if scan.has_cased("hooks.slack.com"):
        found.extend(
            _span(m.start(1), m.end(1), FORMAT_PRIORITY, 0.9) for m in _SLACK_WEBHOOK.finditer(text)
        )
    if scan.has("aaaa") and "AAAA" in text:
        found.extend(_ssh_keys(text))
    if scan.has("bearer") or scan.has("token "):
        found.extend(_bearer_tokens(scan))
    if assignments:
        found.extend(_named(a) for a in assignments if is_key_name(a.words) and _key_value(a))
    return found


def _token_formats(scan: Scan):
    """Known token formats, scanned only on the lines that hold a hint: every format
    contains one and none spans lines, so those lines give what a full scan gives."""
    text = scan.text
    positions = scan.cased_positions(_HINTS)
    for start, end in scan.lines_at(positions):
        for m in _FORMATS.finditer(text, start, end):
            yield _span(m.start(), m.end(), FORMAT_PRIORITY, 0.95)


def is_key_name(words: tuple[str, ...]) -> bool:
    if not words or words[-1] in _NOT_KEY_LAST or not _NOT_SECRET_WORDS.isdisjoint(words):
        return False
    if any(w in _KEY_WORDS for w in words):
        return True
    return "key" in words and any(w in _KEY_QUALIFIERS for w in words)


def _key_value(a: Assignment) -> bool:
    if not a.quoted and not a.config_line and a.separator not in (">",):
        return False
    # Brackets, calls and dotted names are code (`self.backend.update(`, a regex).
    if a.value.startswith("arn:") or ("client" in a.words and a.words[-1] == "token"):
        return False  # a key's ARN names it; AWS `ClientToken`s make calls idempotent
    return values.secret_like(a.value) and not values.looks_like_code(a.value, strict=False)


def _named(a: Assignment) -> Candidate:
    strength = min(values.entropy(a.value) / 5.0, 1.0)
    return _span(a.start, a.end, NAMED_PRIORITY, 0.5 + 0.35 * strength)


def _pem_blocks(text: str):
    for m in _PEM_BEGIN.finditer(text):
        end = _PEM_END.search(text, m.end(), m.end() + _PEM_MAX)
        stop = end.end() if end else _pem_body_end(text, m.end())
        if _PEM_BASE64.search(text, m.end(), stop):  # not the bare markers, nor "omitted"
            yield _span(m.start(), stop, PEM_PRIORITY, 0.99)


def _pem_body_end(text: str, pos: int) -> int:
    """A block cut off by the snippet boundary ends with its last base64 line."""
    last = pos
    for line_match in re.finditer(r"[^\n]*", text[pos : pos + _PEM_MAX]):
        line = line_match.group()
        if not line.strip():
            continue
        body = _PEM_BODY_LINE.match(line)
        if body is None:
            break
        last = pos + line_match.start() + len(line.rstrip(" \t\"',+\\"))
    return last


def _ssh_keys(text: str):
    taken = []
    for m in _SSH_PUBLIC.finditer(text):
        taken.append((m.start(), m.end()))
        yield _span(m.start(), m.end(), PEM_PRIORITY, 0.95)
    for m in _BARE_SSH_BLOB.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            yield _span(m.start(), m.end(), FORMAT_PRIORITY, 0.85)


def _bearer_tokens(scan: Scan):
    """Tokens after "bearer" or "token", once "bearer" or "token " occurs (the caller
    checks). Every match starts at "bearer" or "token" followed by whitespace (`\\s`)."""
    text = scan.text
    starts = [p for p in scan.positions("bearer") if text[p + 6 : p + 7].isspace()]
    starts += [p for p in scan.positions("token") if text[p + 5 : p + 6].isspace()]
    for m in matches_at(_BEARER, text, starts):
        if values.secret_like(m.group(1), min_length=20):
            yield _span(m.start(1), m.end(1), NAMED_PRIORITY, 0.8)


def _span(start: int, end: int, priority: int, score: float, label: str = KEY) -> Candidate:
    return Candidate(DetectedSpan(start, end, label, score=score), priority)
