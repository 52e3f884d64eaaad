"""PASSWORD: literal passwords and shared secrets known from their context.

Sources: assignments and dict/kwarg/YAML/INI/.env entries named like a password,
connection strings, URL userinfo (`scheme://user:pass@host`), CLI flags and SQL.
"""

import re

from annotator.detection import values
from annotator.detection.assignments import Assignment, name_words
from annotator.detection.context import Scan
from annotator.detection.triggers import matches_at
from annotator.detection.types import PASSWORD, Candidate, DetectedSpan

PRIORITY = 80
URL_PRIORITY = 85
_PASSWORD_WORDS = frozenset(
    {"password", "passwd", "pwd", "pass", "passphrase", "passcode", "pw", "pword", "secret",
     "passwort", "contrasena", "senha", "motdepasse", "keypass", "storepass"}
)  # fmt: skip
_NOT_PASSWORD_LAST = frozenset(
    [
        "hash",
        "hashed",
        "hasher",
        "field",
        "length",
        "len",
        "min",
        "max",
        "size",
        "policy",
        "regex",
        "pattern",
        "label",
        "hint",
        "prompt",
        "file",
        "path",
        "dir",
        "url",
        "uri",
        "endpoint",
        "name",
        "id",
        "type",
        "env",
        "var",
        "header",
        "param",
        "count",
        "input",
        "placeholder",
        "expiry",
        "expires",
        "expiration",
        "timeout",
        "ttl",
        "changed",
        "reset",
        "salt",
        "strength",
        "rule",
        "rules",
        "validator",
        "check",
        "error",
        "errors",
        "message",
        "msg",
        "text",
        "required",
        "enabled",
        "mode",
        "format",
        "version",
        "provider",
        "manager",
        "service",
        "handler",
        "factory",
        "class",
        "callback",
        "source",
        "location",
        "helper",
        "encoder",
        "method",
        "algorithm",
        "prefix",
        "suffix",
        "bits",
        "index",
        "column",
        "table",
        "cache",
        "storage",
        "key",
        "arn",
        "ref",
        "form",
        "view",
        "button",
        "icon",
        "widget",
        "toggle",
        "visible",
        "visibility",
        "show",
        "hidden",
        "dialog",
        "modal",
        "screen",
        "page",
        "route",
        "char",
        "chars",
        "digest",
        "digits",
        "lower",
        "upper",
        "special",
        "complexity",
        "history",
        "age",
        "attempts",
        "retries",
        "store",
        "zero",
    ]
)
_DSN_WORDS = frozenset({"password", "pwd", "passwd", "pass"})
_URL_SLOT_WORDS = frozenset({"password", "pass", "passwd", "pwd", "pw", "secret", "token"})
_CLI = re.compile(
    r"(?:(?<=\s)--?(?:password|passwd|pass|pwd)(?:=|[ \t]+)"
    r"|\bsshpass[ \t]+-p[ \t]*|\bredis-cli\b[^\n]*?[ \t]-a[ \t]+"
    r"|\bmysql(?:dump|admin)?\b[^\n]*?[ \t]-p(?=\S)|[ \t]-u[ \t]*\S+[ \t]+-p[ \t]*)"
    r"(?P<q>[\"']?)(?P<value>[^\s\"'`;|&]{1,128})(?P=q)"
)
_CLI_HINTS = ("--pass", "-password", "sshpass", "redis-cli", "mysql", " -u")
_CLI_GATES = ("-pass", "sshpass", "redis-cli", "mysql", " -u")  # implied by _CLI_HINTS
# Only in statements about a user or role (CREATE USER, ALTER ROLE, GRANT): prose says
# "identified by" too.
_SQL = re.compile(
    r"(?i)\b(?:user|role|grant|login)\b[^\n;]*?"
    r"\bidentified\s+by\s+(?:password\s+)?(['\"])(?P<value>[^'\"\n]{1,128})\1"
)
# A compound identifier (`key_password`, `opts.passwd`, `userPass`), not a word.
_VARIABLE = re.compile(r"[A-Za-z_]\w*(?:[_.]\w+|[a-z][A-Z]\w*)")
# An unquoted `password: SecretStr` in a class body or a stub is a type.
_TYPE_NAME = re.compile(r"(?:[A-Z][a-z]+){2,}|Incomplete|Any|str|bytes")


def find(scan: Scan, assignments: list[Assignment]) -> list[Candidate]:
    found = [_span(a.start, a.end, 0.85) for a in assignments if _is_password(a)]
    text = scan.text
    if scan.has("://"):
        found.extend(_url_passwords(scan))
    if scan.has_any(_CLI_GATES) and any(hint in scan.lower for hint in _CLI_HINTS):
        found.extend(_cli_passwords(scan))
    if scan.has("identified"):
        for m in _SQL.finditer(text):
            if not values.unusable(m.group("value")):
                found.append(_span(m.start("value"), m.end("value"), 0.85))
    return found


def is_password_name(words: tuple[str, ...]) -> bool:
    return (
        bool(words)
        and words[-1] not in _NOT_PASSWORD_LAST
        and any(w in _PASSWORD_WORDS for w in words)
    )


def _is_password(a: Assignment) -> bool:
    if not is_password_name(a.words) or len(a.value) > 128 or a.separator == "->":
        return False
    value = a.value
    if values.unusable(value) or value.lower() in {a.name.lower(), a.words[-1]}:
        return False
    if value.strip("'\"").lower() in a.words:
        return False  # grammar rules: `pass_stmt: 'pass'`
    if not a.quoted and _VARIABLE.fullmatch(value) and is_password_name(name_words(value)):
        return False  # `self.key_password = key_password`: a variable
    if value.startswith("arn:"):
        return False
    if any(c.isspace() for c in value):
        return False  # prose: labels, prompts, translations
    only_secret = "secret" in a.words and not _PASSWORD_WORDS.intersection(a.words) - {"secret"}
    if only_secret and values.secret_like(value):
        return False  # a machine-made shared secret is a KEY
    if a.quoted or a.separator == ">":
        return True
    return _unquoted_literal(a)


def _unquoted_literal(a: Assignment) -> bool:
    """Unquoted values are literals on config lines and in DSNs, variables elsewhere."""
    if a.name.startswith(("self.", "this.", "cls.")):
        return False  # `self._password = val`: an attribute set from a variable
    if a.config_line:
        return not (
            values.looks_like_code(a.value, strict=False)
            or _TYPE_NAME.fullmatch(a.value)
            or _code_constant(a)
        )
    dsn_like = a.separator == "=" and a.next_char in ";&\"' \n"
    return dsn_like and a.words[-1] in _DSN_WORDS and not values.looks_like_code(a.value)


def _code_constant(a: Assignment) -> bool:
    """`PASS = 20`, `E_PASSPHRASE: Final = -2144272191`: numbers bound to constants in
    code (spaces around `=`), not `DB_PASSWORD=1234` in a .env file."""
    number = a.value.lstrip("-").isdigit()
    return number and (a.value.startswith("-") or (a.name.isupper() and a.spaced))


def _url_passwords(scan: Scan):
    for m in scan.url_userinfo:
        password = m.group("password")
        if password.lower() in _URL_SLOT_WORDS or values.unusable(password):
            continue
        if password.isdigit() and len(password) <= 5 and "." not in m.group("host"):
            continue  # host:port@... is not userinfo
        yield Candidate(
            DetectedSpan(m.start("password"), m.end("password"), PASSWORD, score=0.9),
            URL_PRIORITY,
        )


def _cli_passwords(scan: Scan):
    """A _CLI match starts one or two characters before "pass" or "pwd" (`--pass`), at
    "sshpass", "redis-cli" or "mysql", or at the blank of " -u" or a tab's "\\t-u"."""
    text = scan.text
    starts = [p - k for p in scan.positions("pass") + scan.positions("pwd") for k in (1, 2)]
    for word in ("sshpass", "redis-cli", "mysql", " -u"):
        starts += scan.positions(word)
    tab = text.find("\t-u")
    while tab != -1:
        starts.append(tab)
        tab = text.find("\t-u", tab + 1)
    for m in matches_at(_CLI, text, starts):
        value = m.group("value")
        if not values.unusable(value) and not value.startswith(("$", "-")):
            yield _span(m.start("value"), m.end("value"), 0.75)


def _span(start: int, end: int, score: float) -> Candidate:
    return Candidate(DetectedSpan(start, end, PASSWORD, score=score), PRIORITY)
