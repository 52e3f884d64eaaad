"""USERNAME: handles that identify a person, with license/placeholder/real context."""

import re
from functools import lru_cache

from annotator.detection import values
from annotator.detection.assignments import MINIFIED_LINE, Assignment
from annotator.detection.context import PLACEHOLDER_USERNAMES, Scan
from annotator.detection.triggers import matches_at
from annotator.detection.types import USERNAME, Candidate, DetectedSpan

PRIORITY = 50
GENERIC_ACCOUNTS = frozenset(
    [
        "root",
        "admin",
        "administrator",
        "guest",
        "postgres",
        "nobody",
        "user",
        "users",
        "test",
        "tester",
        "mysql",
        "sa",
        "www-data",
        "ubuntu",
        "ec2-user",
        "centos",
        "debian",
        "pi",
        "vagrant",
        "git",
        "jenkins",
        "docker",
        "daemon",
        "sys",
        "bin",
        "oracle",
        "system",
        "anonymous",
        "anon",
        "default",
        "demo",
        "username",
        "superuser",
        "operator",
        "service",
        "app",
        "dev",
        "developer",
        "ftp",
        "mail",
        "redis",
        "mongo",
        "mongodb",
        "rabbitmq",
        "elastic",
        "kibana",
        "hadoop",
        "hdfs",
        "nginx",
        "apache",
        "tomcat",
        "runner",
        "travis",
        "circleci",
        "public",
        "shared",
        "all",
        "owner",
        "me",
        "you",
        "someone",
        "somebody",
        "login",
        "name",
        "your_username",
        "dbuser",
        "db_user",
        "api",
        "bot",
        "ci",
        "deploy",
        "deployer",
        "www",
        "web",
        "node",
        "builder",
        "appuser",
        "testuser2",
        "adminuser",
        "localuser",
        "admin_user",
        "masteruser",
        "postgresql",
        "sql",
        "mssql",
    ]
)
_PROFILE = re.compile(
    r"(?i)\b(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|twitter\.com|x\.com|"
    r"bitbucket\.org|instagram\.com|linkedin\.com/in|facebook\.com|keybase\.io|t\.me|"
    r"medium\.com/@|reddit\.com/u(?:ser)?|gist\.github\.com|huggingface\.co)/"
    r"@?(?P<user>[A-Za-z0-9][A-Za-z0-9_.\-]{0,38})(?P<rest>/[^\s/\"'<>)]*)?(?=[\s\"'<>)\].,;#?]|/?$)",
    re.MULTILINE,
)
_PROFILE_HINTS = (".com/", ".org/", ".io/", ".co/", "t.me/")  # one is in every _PROFILE match
# Where a _PROFILE match can start: a word's start, at the first letter of "http",
# "www." or a host, read as `(?i)` reads it.
_PROFILE_FIRST = re.compile(r"(?i)\b[bfghiklmrtwx]")
_DOTTED_IO = re.compile("\\.[\u0130\u0131][oO]/")  # ".io/" to `(?i)`, not to the trigger pass
_RESERVED_PATHS = frozenset(
    [
        "about",
        "features",
        "orgs",
        "organizations",
        "settings",
        "login",
        "logout",
        "join",
        "signup",
        "pricing",
        "explore",
        "topics",
        "trending",
        "marketplace",
        "sponsors",
        "apps",
        "site",
        "enterprise",
        "collections",
        "notifications",
        "new",
        "search",
        "contact",
        "security",
        "team",
        "teams",
        "blog",
        "home",
        "intent",
        "share",
        "hashtag",
        "i",
        "issues",
        "pulls",
        "pull",
        "watching",
        "stars",
        "account",
        "help",
        "docs",
        "status",
        "support",
        "api",
        "events",
        "pages",
        "downloads",
        "users",
        "repos",
        "in",
        "company",
        "groups",
        "dashboard",
        "oauth",
        "authorize",
        "codespaces",
        "readme",
        "license",
        "datasets",
        "spaces",
        "models",
        "papers",
        "learn",
        "tasks",
    ]
)
_MENTION = re.compile(
    r"@(?<![\w@./:\-`\\$%&*]@)(?P<user>[A-Za-z0-9_][A-Za-z0-9_\-]{1,38})\b(?![(.@/\-;{]|:\w)"
)
# Both are used on one line at a time with pos/endpos, hence MULTILINE for `^`/`$`.
# "//" inside "://", "#" before a word (CSS colours, URL fragments) and "--" before a
# non-space (`i--;`) are not comment markers.
_COMMENT_BEFORE = re.compile(
    r"(?:#(?![\w{])|(?<!:)//|/\*|^\s*\*|--(?!\S)|<!--|^\s*;)", re.MULTILINE
)
# In C-style block comments "@name" refers to a parameter or a symbol (kernel-doc,
# Doxygen, FreeType), not to a person.
_C_DOC_MARKERS = ("/*", "*")
_DOC_TAG_POSITION = re.compile(r"^\s*(?:/\*\*?|\*|#|//|///|--|;+)?\s*$", re.MULTILINE)
_DOC_TAGS = frozenset(
    [
        "param",
        "params",
        "arg",
        "argument",
        "returns",
        "return",
        "throws",
        "throw",
        "exception",
        "see",
        "since",
        "author",
        "version",
        "deprecated",
        "override",
        "link",
        "code",
        "type",
        "typedef",
        "property",
        "prop",
        "example",
        "todo",
        "fixme",
        "note",
        "brief",
        "file",
        "class",
        "method",
        "function",
        "func",
        "module",
        "namespace",
        "package",
        "var",
        "const",
        "api",
        "inheritdoc",
        "internal",
        "private",
        "public",
        "protected",
        "static",
        "abstract",
        "async",
        "callback",
        "event",
        "fires",
        "member",
        "name",
        "readonly",
        "requires",
        "this",
        "exports",
        "default",
        "description",
        "desc",
        "enum",
        "extends",
        "implements",
        "interface",
        "license",
        "copyright",
        "summary",
        "template",
        "global",
        "ignore",
        "uses",
        "covers",
        "test",
        "group",
        "before",
        "after",
        "suppresswarnings",
        "nullable",
        "nonnull",
        "notnull",
        "deprecated",
        "since",
        "tparam",
        "retval",
        "pre",
        "post",
        "warning",
        "attention",
        "bug",
        "details",
        "sa",
        "ref",
        "defgroup",
        "ingroup",
        "addtogroup",
        "dataprovider",
        "depends",
        "expectedexception",
        "mixin",
        "lends",
        "memberof",
        "alias",
        "augments",
        "borrows",
        "constructs",
        "constructor",
        "instance",
        "kind",
        "listens",
        "static",
        "yields",
        "generator",
        "hideconstructor",
        "external",
        "host",
        "inner",
        "license",
        "variation",
        "vue",
        "flow",
        "jsx",
        "ts-ignore",
        "ts-expect-error",
        "ts-nocheck",
        "eslint-disable",
        "import",
        "media",
        "keyframes",
        "font-face",
        "include",
        "supports",
        "charset",
        "apply",
        "layer",
        "tailwind",
        "use",
        "forward",
        "extend",
        "each",
        "if",
        "else",
        "for",
        "while",
        "return",
        "value",
        # Objective-C compiler directives (code, in bundles of syntax highlighters too)
        "synthesize",
        "dynamic",
        "implementation",
        "end",
        "encode",
        "selector",
        "try",
        "catch",
        "finally",
        "autoreleasepool",
        "synchronized",
        "optional",
        "required",
        "protocol",
        "compatibility_alias",
        "defs",
        "available",
        # decorators named in comments ("the @given decorator")
        "coroutine",
        "given",
        "parametrize",
        "fixture",
        "wraps",
        "contextmanager",
        "receiver",
        "classmethod",
        "staticmethod",
        "abstractmethod",
        "abstractproperty",
        "cached_property",
        "dataclass",
        "overload",
        "final",
        "wraps",
        "contextmanager",
        "asynccontextmanager",
        "lru_cache",
        "cache",
        "pytest",
        "fixture",
        "patch",
        "headername",
        "stable",
        "draft",
        "obsolete",
        "system",
        "task",
        "container",
        "section",
        "subsection",
        "page",
        "mainpage",
    ]
)
_HOME = re.compile(
    r"(?:(?<![\w.\-])(?:/home/|/Users/)|[A-Za-z]:\\{1,2}Users\\{1,2}|[A-Za-z]:/Users/)"
    r"(?P<user>[A-Za-z0-9_][A-Za-z0-9_.\-]{0,31})(?=[/\\\s\"'`:]|$)",
    re.MULTILINE,
)
_CVS_AUTHOR = re.compile(r"\$Author:\s*(?P<user>[\w.\-]+)\s*\$")
_PROMPT = re.compile(
    r"^\s*(?P<user>[a-z_][a-z0-9_\-]{1,31})@[\w.\-]+:[~/][^\n]*?[$#]\s", re.MULTILINE
)
_SSH_COMMENT = re.compile(
    r"AAAA[0-9A-Za-z+/]{40,}={0,3}[ \t]+(?P<user>[a-z_][\w.\-]{0,31})@[\w.\-]+"
)
_HEX_ID = re.compile(r"(?=[a-f]*\d)[0-9a-f]{8,}")
_USER_WORDS = frozenset({"user", "username", "login", "uname", "author", "owner", "handle"})


def find(scan: Scan, assignments: list[Assignment]) -> list[Candidate]:
    text, found = scan.text, []
    if scan.has_any_cased(_PROFILE_HINTS):
        found.extend(_spans(scan, _PROFILE, _profile_ok, starts=_profile_starts(scan)))
    if scan.has("@"):
        found.extend(_mentions(scan))
        found.extend(_prompts(scan))
        if scan.has("aaaa") and "AAAA" in text:
            found.extend(_spans(scan, _SSH_COMMENT))
    if scan.has_cased("Users") or scan.has_cased("/home/"):
        # A match starts at "/home/", or 1, 3 or 4 characters before "Users".
        starts = scan.positions("/home/") + [
            p - k for p in scan.positions("users") for k in (1, 3, 4)
        ]
        found.extend(_spans(scan, _HOME, starts=starts))
    if scan.has_cased("$Author:"):
        found.extend(_spans(scan, _CVS_AUTHOR, license=True))
    if scan.has("://"):
        found.extend(_url_users(scan))
    found.extend(_assigned(scan, a) for a in assignments if _is_user_assignment(a))
    return found


def make(scan: Scan, start: int, end: int, score: float = 0.8, license: bool = False):
    handle = scan.text[start:end].lstrip("@").lower()
    context = scan.context_for(start, handle in PLACEHOLDER_USERNAMES)
    if license:
        context = "license"
    return Candidate(DetectedSpan(start, end, USERNAME, context, score), PRIORITY)


@lru_cache(maxsize=4096)  # pure; the same handle recurs across a file
def is_person_handle(handle: str) -> bool:
    lowered = handle.lower().lstrip("@")
    return (
        lowered not in GENERIC_ACCOUNTS
        and not values.unusable(handle)
        and not lowered.isdigit()
        and len(lowered) >= 2
    )


def _spans(scan: Scan, pattern: re.Pattern, accept=None, license: bool = False, starts=None):
    """Matches of `pattern` whose handle is a person's; `starts`, if given, holds every
    offset where a match can begin (see `matches_at`)."""
    text = scan.text
    found = pattern.finditer(text) if starts is None else matches_at(pattern, text, starts)
    for m in found:
        if is_person_handle(m.group("user")) and (accept is None or accept(m)):
            yield make(scan, m.start("user"), m.end("user"), license=license)


def _prompts(scan: Scan):
    """`user@host:~$ ` shell prompts: the user starts the line of an "@"."""
    starts = [start for start, _ in scan.at_lines]
    for m in matches_at(_PROMPT, scan.text, starts):
        if is_person_handle(m.group("user")):
            yield make(scan, m.start("user"), m.end("user"))


def _profile_starts(scan: Scan) -> list[int]:
    """Where a _PROFILE match can start: its host ends in one of _PROFILE_HINTS, at
    most 23 characters after the start ("https://www." and "gist.github"). Found on
    the lower-cased text; beyond ASCII, `(?i)` also reads "\u0130" and "\u0131" as the
    "i" of ".io/" (the trigger pass sees them as "?"), so those are searched apart."""
    text = scan.text
    hints = [p for hint in _PROFILE_HINTS for p in scan.positions(hint)]
    if not text.isascii():
        hints += [m.start() for m in _DOTTED_IO.finditer(text)]
    # Of the 24 offsets before a hint, only those where _PROFILE's first character can
    # stand, found by one C search per hint instead of 24 tries of the whole pattern.
    first = _PROFILE_FIRST.finditer
    return [m.start() for p in hints for m in first(text, max(0, p - 23), p + 1)]


def _profile_ok(m: re.Match) -> bool:
    """Profile URLs only: `github.com/org/repo` may name an organisation."""
    user, rest = m.group("user"), (m.group("rest") or "").strip("/")
    if user.lower() in _RESERVED_PATHS or (
        "." in user and user.rsplit(".", 1)[-1] in {"git", "js", "io"}
    ):
        return False
    return not rest or "gist.github" in m.group(0).lower()


def _mentions(scan: Scan):
    """Handles after a comment marker on their line.

    The marker is looked for once per line (where the first one ends), not once per
    mention: slicing and searching the line before each mention is quadratic on a
    minified file's single huge line.
    """
    text, comment_ends = scan.text, {}
    c_comments = "/*" in text or "*/" in text
    for m in _MENTION.finditer(text):
        user = m.group("user")
        if user.lower() in _DOC_TAGS or code_symbol(user):
            continue
        # Only blanks before it on its line (a decorator, an annotation): no comment
        # marker can end before it. Looked back a short way only.
        low = max(0, m.start() - 200)
        newline = text.rfind("\n", low, m.start())
        if (newline != -1 or not low) and not text[newline + 1 : m.start()].strip():
            continue
        line_start, line_end = scan.line_at(m.start())
        if line_start not in comment_ends and line_end - line_start > MINIFIED_LINE:
            # Minified code or data: a "#" or "//" far back on the line says nothing
            # about what follows, so no mention on it is taken to be in a comment.
            comment_ends[line_start] = line_end + 1
        if line_start not in comment_ends:
            marker = _COMMENT_BEFORE.search(text, line_start, line_end)
            c_doc = marker is not None and c_comments and marker.group().strip() in _C_DOC_MARKERS
            comment_ends[line_start] = marker.end() if marker and not c_doc else line_end + 1
        if comment_ends[line_start] > m.start():
            continue
        if _DOC_TAG_POSITION.match(text, line_start, m.start()) and user[0].isalpha():
            continue  # the first word of a doc-comment line is a tag (@Override, @since)
        if is_person_handle(user):
            yield make(scan, m.start(), m.end(), score=0.6)


def code_symbol(user: str) -> bool:
    """`@__NL80211_ATTR`, `@FT_GlyphSlot`, `@reproduce_failure`: code, not people."""
    return "_" in user  # GitHub handles have none; in code, `@no_type_check` is a decorator


def _url_users(scan: Scan):
    for m in scan.url_userinfo:
        user = m.group("user")
        if is_person_handle(user) and user.isalpha() and user.islower() and len(user) >= 3:
            yield make(scan, m.start("user"), m.end("user"), score=0.5)


def is_user_name(words: tuple[str, ...]) -> bool:
    """A name whose value this rule can take as a username (`db_user`, `login`)."""
    if not words or words[-1] not in _USER_WORDS:  # `db_user`, not `user_agent`
        return False
    return "author" not in words and "owner" not in words  # names handles authors


def _is_user_assignment(a: Assignment) -> bool:
    if not is_user_name(a.words):
        return False
    if len(a.value) > 40 or not re.fullmatch(r"@?[A-Za-z][\w.\-]{1,39}", a.value):
        return False
    if _HEX_ID.fullmatch(a.value):
        return False  # a hash or an id ("fe665a1921d29144"), not a handle
    if not a.quoted and (not a.config_line or values.looks_like_code(a.value, strict=False)):
        return False
    return (
        is_person_handle(a.value) and a.value.lower() != a.name.lower() and "@" not in a.value[1:]
    )


def _assigned(scan: Scan, a: Assignment) -> Candidate:
    return make(scan, a.start, a.end, score=0.6)
