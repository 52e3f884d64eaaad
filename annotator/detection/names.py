"""NAME: people's names where code attributes authorship or holds person data.

Rules, not a language model: names are taken from copyright lines, author fields,
`Name <email>` pairs, name-like fields with a known first name, and well-known
placeholder people. Companies, projects and teams are filtered out.
"""

import re
from functools import cache

from annotator.detection import usernames, values
from annotator.detection.assignments import Assignment
from annotator.detection.context import PLACEHOLDER_NAMES, Scan, run_start
from annotator.detection.triggers import matches_at
from annotator.detection.types import NAME, Candidate, DetectedSpan

PRIORITY = 30
# An initial ("C.") is tried first, or "Johan C. Stöver" would stop at "Johan C".
_WORD = r"(?:[^\W\d_]\.|[^\W\d_][^\W\d_'’\-]*(?:[\-'’][^\W\d_]+)*)"  # noqa: RUF001  (typographic apostrophes and dashes occur in names/years)
_NAME_RUN = re.compile(rf"{_WORD}(?:[ \t]+{_WORD}){{0,4}}")
_COPYRIGHT = re.compile(
    r"(?:copyright|\(c\)|©)(?:\s*(?:\(c\)|©|\d{4}(?:\s*[\-–,]\s*(?:\d{4}|\d{2}|present))*"  # noqa: RUF001  (typographic apostrophes and dashes occur in names/years)
    r"|,|by|:))*\s*"
)
_AUTHOR_FIELD = re.compile(
    r"(?:@author\b|\bauthors?\s*:|__(?:author|maintainer|credits)__\s*=\s*[\[(]?\s*[\"']|"
    r"\b(?:author|maintainer)\s*=\s*[\"']|[\"'](?:author|maintainer)[\"']\s*:\s*[\"']|"
    r"\b(?:written|created|contributed|maintained)\s+by\b|maintainer\s*:|"
    r"signed-off-by\s*:|co-authored-by\s*:|moduleauthor::|codeauthor::|<author>|:author:|"
    r"\bthanks\s+to\b|\b(?:ported|original)\s+by\b)"
    r"[ \t]*"
)
_AUTHOR_VERBS = (
    "written", "created", "contributed", "maintained", "ported", "original", "thanks",
    "signed-off",
)  # fmt: skip
# "moduleauthor" and "codeauthor" contain "author".
_AUTHOR_HINTS = ("author", " by", "maintainer", "signed-off", "thanks to")
# Single words after "thanks to" / "by" that are prose, not a handle.
_PROSE_WORDS = frozenset(
    {"the", "a", "an", "its", "it", "this", "that", "these", "those", "all", "them", "him",
     "her", "his", "their", "our", "you", "me", "us", "default", "hand", "design", "name",
     "value", "type", "reference", "using", "which", "whom", "now", "then", "others", "old"}
)  # fmt: skip
_HOST = re.compile(r"(?:[a-z0-9\-]+\.)+(?:com|org|net|io|dev|co|me|de|uk|fr)")
_LEGAL_SUFFIXES = frozenset(
    {"inc", "llc", "ltd", "corp", "co", "gmbh", "ag", "sa", "ab", "oy", "bv", "nv", "plc", "pty",
     "srl", "spa", "kg", "sarl", "limited", "corporation"}
)  # fmt: skip
_PLACEHOLDER_PEOPLE = ("john doe", "jane doe", "jane roe", "richard roe", "max mustermann")
# Where the names after a copyright or author word end. An address's local part is
# looked for only where a run of its characters starts: the first match starts at the
# same place, without re-reading a long run from each of its characters.
_SEGMENT_END = re.compile(
    r"[<(\[\"'{]|\ball rights\b|https?://|(?<![\w.+\-])[\w.+\-]+@|\s{3,}|(?<!\b[A-Z])\.\s"
)
_EMAIL_OPENER = re.compile(r"[<(\[][ \t]*(?:mailto:)?[\w.+\-]+@")
_NAME_AT_END = re.compile(rf"({_WORD}(?:[ \t]+{_WORD}){{1,3}})[ \t\"']*\Z")
_ORG_WORDS = frozenset(
    [
        "inc",
        "inc.",
        "ab",
        "oy",
        "bv",
        "nv",
        "plc",
        "pty",
        "srl",
        "spa",
        "kg",
        "sarl",
        "llc",
        "ltd",
        "ltd.",
        "corp",
        "corp.",
        "corporation",
        "co",
        "co.",
        "company",
        "foundation",
        "authors",
        "contributors",
        "project",
        "team",
        "software",
        "systems",
        "technologies",
        "technology",
        "group",
        "university",
        "institute",
        "gmbh",
        "ag",
        "sa",
        "s.a.",
        "limited",
        "labs",
        "lab",
        "developers",
        "community",
        "organization",
        "organisation",
        "consortium",
        "the",
        "association",
        "trust",
        "alliance",
        "studio",
        "studios",
        "games",
        "network",
        "networks",
        "solutions",
        "services",
        "holdings",
        "partners",
        "google",
        "microsoft",
        "apple",
        "facebook",
        "meta",
        "amazon",
        "oracle",
        "ibm",
        "intel",
        "mozilla",
        "apache",
        "linux",
        "python",
        "npm",
        "github",
        "openai",
        "nvidia",
        "all",
        "rights",
        "reserved",
        "license",
        "licensed",
        "mit",
        "bsd",
        "gpl",
        "version",
        "free",
        "source",
        "see",
        "file",
        "copyright",
        "generated",
        "auto",
        "tool",
        "script",
        "plugin",
        "module",
        "library",
        "framework",
        "code",
    ]
)
_GENERIC_PEOPLE = frozenset(
    [
        "administrator",
        "admin",
        "user",
        "unknown",
        "anonymous",
        "system",
        "root",
        "somebody",
        "someone",
        "tester",
        "developer",
        "dev",
        "owner",
        "author",
        "maintainer",
        "me",
        "you",
        "yourname",
        "name",
        "your",
        "todo",
    ]
)
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "der",
        "den",
        "da",
        "di",
        "la",
        "le",
        "du",
        "del",
        "dos",
        "das",
        "bin",
        "al",
        "ter",
        "ten",
        "y",
    ]
)
_PERSON_FIELDS = (
    ("first", "name"), ("last", "name"), ("full", "name"), ("fullname",), ("firstname",),
    ("lastname",), ("display", "name"), ("author", "name"), ("contact", "name"),
    ("customer", "name"), ("given", "name"), ("family", "name"), ("surname",),
)  # fmt: skip
_FIELD_WORDS = frozenset({"name", "fullname", "firstname", "lastname", "surname"})  # one in each
_CJK = re.compile(r"[\u4e00-\u9fff\uac00-\ud7af\u3040-\u30ff]{2,4}")


def find(scan: Scan, assignments: list[Assignment]) -> list[Candidate]:
    text, lower, found = scan.text, scan.lower, []
    copyright_sign = not text.isascii() and "©" in text  # isascii() reads a flag: O(1)
    if scan.has("copyright") or (scan.has("c)") and "(c)" in lower) or copyright_sign:
        found.extend(_after_pattern(scan, _COPYRIGHT, _copyright_starts(scan), lenient=True))
    if scan.has_any(_AUTHOR_HINTS):
        found.extend(_after_pattern(scan, _AUTHOR_FIELD, _author_starts(scan), lenient=False))
    if scan.has("@"):
        found.extend(_names_before_emails(scan))
    if scan.has_any(_PLACEHOLDER_PEOPLE):
        for placeholder in _PLACEHOLDER_PEOPLE:
            start = lower.find(placeholder) if scan.has(placeholder) else -1
            while start != -1:
                found.append(_make(scan, start, start + len(placeholder)))
                start = lower.find(placeholder, start + 1)
    found.extend(_person_fields(scan, assignments))
    return found


def _names_before_emails(scan: Scan):
    """`John Smith <jsmith@x.org>`: the name just before a bracketed address."""
    text = scan.text
    # A match ends at an "@" and never spans lines: only lines with one are read.
    for line_start, line_end in scan.at_lines:
        for m in _EMAIL_OPENER.finditer(text, line_start, line_end):
            low = max(line_start, m.start() - 80)
            start = run_start(text, m.start(), low, None)  # the name's letters, spaces, quotes
            name = _NAME_AT_END.search(text, start, m.start())
            if name is not None:
                yield from _one_name(scan, name.start(1), name.group(1), author=False)


def _copyright_starts(scan: Scan) -> list[int]:
    starts = scan.positions("copyright") + [p - 1 for p in scan.positions("c)") if p]
    pos = scan.text.find("©")
    while pos != -1:
        starts.append(pos)
        pos = scan.text.find("©", pos + 1)
    return starts


def _author_starts(scan: Scan) -> list[int]:
    """Every offset where an _AUTHOR_FIELD branch can start, from the trigger words:
    "@author", "__author__", "co-authored-by", "moduleauthor::" and so on."""
    starts = [p - k for p in scan.positions("author") for k in (0, 1, 2, 3, 4, 6)]
    starts += [p - k for p in scan.positions("maintainer") for k in (0, 1, 2)]
    starts += [p - 2 for p in scan.positions("credits")]
    for word in _AUTHOR_VERBS:
        starts += scan.positions(word)
    return starts


def _after_pattern(scan: Scan, pattern: re.Pattern, starts: list[int], lenient: bool):
    """Names after each match of `pattern`, a lower-case regex matched on `scan.lower`
    (same offsets as the text, and much faster than an IGNORECASE regex) at `starts`,
    the offsets where it can begin."""
    text = scan.text
    for m in matches_at(pattern, scan.lower, starts):
        line_end = text.find("\n", m.end())
        segment = text[m.end() : len(text) if line_end == -1 else line_end]
        cut = _SEGMENT_END.search(segment)
        if cut is not None:
            segment = segment[: cut.start()]
        yield from _names_in(scan, m.end(), segment, lenient=lenient, author=not lenient)


def _names_in(scan: Scan, offset: int, segment: str, lenient: bool, author: bool = False):
    """Split `John Smith, Jane Roe and Bob` into names; single handles become USERNAME."""
    parts = list(re.finditer(r"[^,;&/]+", segment))
    for i, part in enumerate(parts):
        chunk = part.group()
        following = parts[i + 1].group().split()[:1] if i + 1 < len(parts) else []
        if following and following[0].lower().rstrip(".") in _LEGAL_SUFFIXES:
            continue  # "Red Hat, Inc."
        for piece in re.split(r"\s+and\s+", chunk):
            start = offset + part.start() + chunk.find(piece)
            yield from _one_name(scan, start, piece.strip(" \t*#-:."), author)


def _one_name(scan: Scan, start: int, piece: str, author: bool):
    if not piece:
        return
    start = scan.text.find(piece, start)
    tokens = piece.split()
    if author and len(tokens) == 1 and re.fullmatch(r"@?[a-z][\w.\-]{1,30}", piece):
        # Not a host (`github.com/jdoe` names the user after the slash), not a code
        # symbol ("written by train_from_file()": handles have no underscore).
        if _HOST.fullmatch(piece) or usernames.code_symbol(piece):
            return
        if usernames.is_person_handle(piece) and piece not in _PROSE_WORDS:
            yield usernames.make(scan, start, start + len(piece), license=True)
        return
    if _CJK.fullmatch(piece):
        yield _make(scan, start, start + len(piece))
        return
    run = _NAME_RUN.match(piece)
    if run is None:
        return
    name = _trim(run.group())
    if name and _is_person(name, single_ok=author):
        yield _make(scan, start, start + len(name))


def _trim(name: str) -> str:
    """Drop trailing particles and lower-case words, keeping the text as written (a
    re-joined name would lose doubled spaces and end the span early)."""
    tokens = list(re.finditer(r"\S+", name))
    while tokens and (
        tokens[-1].group().lower() in _PARTICLES or not tokens[-1].group()[0].isupper()
    ):
        tokens.pop()
    return name[: tokens[-1].end()] if tokens else ""


def _is_person(name: str, single_ok: bool) -> bool:
    tokens = name.split()
    if not tokens or len(tokens) > 4 or (len(tokens) == 1 and not single_ok):
        return False
    lowered = [t.lower().rstrip(".,") for t in tokens]
    if any(t in _ORG_WORDS for t in lowered) or name.lower() in _GENERIC_PEOPLE:
        return False
    capitalised = [t for t in tokens if t.lower() not in _PARTICLES]
    if not all(t[0].isupper() for t in capitalised):
        return False
    if any(t.isupper() and len(t) > 2 for t in tokens):
        return False  # acronyms: "MIT", "IBM Corp"
    return not (len(tokens) == 1 and len(name) < 3)


def _person_fields(scan: Scan, assignments: list[Assignment]):
    for a in assignments:
        if not a.quoted or not 2 <= len(a.value) <= 60:
            continue
        explicit = _explicit_person_field(a.words)
        if not (explicit or _generic_person_field(a.words)) or values.is_template(a.value):
            continue
        if not explicit and a.words == ("name",):
            # Explicit in a license (pyproject `authors` entries). Looked up only for a
            # value that can pass: `_is_person` with single_ok=False implies it with True.
            if not (_is_person(a.value, single_ok=True) and _NAME_RUN.fullmatch(a.value)):
                continue
            explicit = scan.in_license(a.start)
        tokens = a.value.split()
        if not explicit and (len(tokens) < 2 or tokens[0] not in first_names()):
            continue
        if _is_person(a.value, single_ok=explicit) and _NAME_RUN.fullmatch(a.value):
            yield _make(scan, a.start, a.end, score=0.6)


def is_person_field(words: tuple[str, ...]) -> bool:
    """A name whose value this rule can take as a person's (`author_name`, `owner`)."""
    return _explicit_person_field(words) or _generic_person_field(words)


def _explicit_person_field(words: tuple[str, ...]) -> bool:
    named = not _FIELD_WORDS.isdisjoint(words)
    return named and any(all(w in words for w in pair) for pair in _PERSON_FIELDS)


def _generic_person_field(words: tuple[str, ...]) -> bool:
    return words[-1:] == ("name",) or words[-1:] in (("author",), ("owner",))


def _make(scan: Scan, start: int, end: int, score: float = 0.75) -> Candidate:
    value = scan.text[start:end].lower()
    context = scan.context_for(start, value in PLACEHOLDER_NAMES)
    return Candidate(DetectedSpan(start, end, NAME, context, score), PRIORITY)


@cache
def first_names() -> frozenset[str]:
    """Common first names from Faker's locales (a project dependency), loaded once."""
    from importlib import import_module

    names: set[str] = set()
    for locale in ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL"):
        try:
            provider = import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names.update(getattr(provider, attr, ()))
    return frozenset(names) - {"Page", "Main", "New", "Default", "Test", "Will", "May", "June"}
