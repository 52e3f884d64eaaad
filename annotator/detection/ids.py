"""ID: phone numbers, payment cards, cloud account ids, customer ids, OAuth client ids."""

import re

from annotator.detection import values
from annotator.detection.assignments import MINIFIED_LINE, Assignment
from annotator.detection.context import Scan
from annotator.detection.triggers import AREA_CODE, PLUS_DIGIT, matches_at
from annotator.detection.types import ID, Candidate, DetectedSpan

PRIORITY = 40
FORMAT_PRIORITY = 75
_AWS_ACCOUNT = re.compile(
    r"arn:aws[\w\-]*:[\w\-]+:[\w\-]*:(\d{12}):|sqs\.[\w\-]+\.amazonaws\.com/(\d{12})/|"
    r"\b(\d{12})\.dkr\.ecr\.|iam::(\d{12}):"
)
_CUSTOMER = re.compile(r"(?<![\w\-])(?:cus|acct|sub|cs|ba)_(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{8,32}\b")
_GOOGLE_CLIENT = re.compile(r"\b\d{6,20}-[a-z0-9]{20,40}\.apps\.googleusercontent\.com\b")
# The same as `(?<![\w.+\-/])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}<rest>`
# `|(?<![\w.+\-/])\+\d{8,15}\b` (tested), written to start with the one character a
# match can start with ("+", "(" or a digit), the look-behind after it, and one branch
# per first character in the same order of tries: the engine then skips to those
# characters in C instead of trying the look-behind at every position of a line.
_PHONE_REST = r"(?:[ .\-]\d{2,5}){1,4}(?![\w.\-/]|:\d)"
_PHONE = re.compile(
    r"[+(\d](?<![\w.+\-/].)(?:"
    rf"(?<=\+)(?:\d{{1,3}}[ .\-]?(?:\(\d{{1,4}}\)[ .\-]?)?\d{{2,4}}{_PHONE_REST}|\d{{8,15}}\b)"
    rf"|(?<=\()\d{{1,4}}\)[ .\-]?\d{{2,4}}{_PHONE_REST}"
    rf"|(?<=\d)\d{{1,3}}{_PHONE_REST})"
)
# Matches where `(?i)phone|\btel\b|tel:|mobile|\bcell|\bfax\b|whatsapp|contact|\bsms` does
# (tested), case spelled out as IGNORECASE reads it ("\u0130" and "\u0131" are also "i",
# the long s "\u017f" also "s"), led by the first letters with each word's `\b` looked
# behind after its first letter: the engine skips to those letters in C instead of trying
# nine branches at every position of a long line.
_PHONE_CONTEXT = re.compile(
    "[pPtTmMcCfFwWsS\u017f](?:"
    r"(?<=[pP])[hH][oO][nN][eE]"
    r"|(?<=[tT])(?:[eE][lL]:|(?<!\w.)[eE][lL]\b)"
    "|(?<=[mM])[oO][bB][iI\u0130\u0131][lL][eE]"
    r"|(?<=[cC])(?:(?<!\w.)[eE][lL][lL]|[oO][nN][tT][aA][cC][tT])"
    r"|(?<=[fF])(?<!\w.)[aA][xX]\b"
    "|(?<=[wW])[hH][aA][tT][sS\u017f][aA][pP][pP]"
    "|(?<=[sS\u017f])(?<!\\w.)[mM][sS\u017f]"
    ")"
)
# The same for a lower-cased line without those four letters (`Scan.line_matches`).
_PHONE_CONTEXT_FOLDED = re.compile(
    r"[ptmcfws](?:(?<=p)hone|(?<=t)(?:el:|(?<!\w.)el\b)|(?<=m)obile"
    r"|(?<=c)(?:(?<!\w.)ell|ontact)|(?<=f)(?<!\w.)ax\b|(?<=w)hatsapp|(?<=s)(?<!\w.)ms)"
)
_PHONE_WORDS = ("phone", "tel", "mobile", "cell", "fax", "whatsapp", "sms", "contact")
_CARD_WORDS = ("card", "visa", "credit", "amex")
_CUSTOMER_PREFIXES = ("cus_", "acct_", "sub_", "cs_", "ba_")
# Two literal-led regexes are searched faster than one `\+\d|\(\d{3}\)`.
_PLUS_DIGIT = re.compile(r"\+\d")
_AREA_CODE = re.compile(r"\(\d{3}\)")
_LOOSE_HINTS = (_PLUS_DIGIT, _AREA_CODE)
# The same where a phone match can begin (as _PHONE's look-behind says): not `x+1`, `f(100)`.
# The look-behind follows the literal so that the engine still skips to "+" or "(" in C.
_PLUS_DIGIT_START = re.compile(r"\+(?<![\w.+\-/]\+)\d")
_AREA_CODE_START = re.compile(r"\((?<![\w.+\-/]\()\d{3}\)")
# Each branch starts with a digit and looks behind it, so the engine skips non-digits
# in C (the same as `(?<![\d\-])(?:\d{4}[ \-]){3}...|(?<!\d)\d{13,19}(?!\d)`).
_CARD = re.compile(
    r"\d(?<![\d\-]\d)\d{3}[ \-](?:\d{4}[ \-]){2}\d{1,4}(?:[ \-]?\d{3})?(?![\d\-])"
    r"|\d(?<!\d\d)\d{12,18}(?!\d)"
)
# A date, a version, or a span of years ("Copyright 2011-2019").
_DATE_OR_VERSION = re.compile(
    r"(?:19|20)\d\d[\-./]\d\d[\-./]\d\d.*|\d+\.\d+\.\d+(?:\.\d+)?|(?:19|20)\d\d ?- ?(?:19|20)\d\d"
)
_CARD_CONTEXT = re.compile(r"(?i)card|\bcc\b|\bpan\b|visa|mastercard|amex|credit")
_CLIENT_WORDS = (
    ("client", "id"),
    ("consumer", "key"),
    ("app", "id"),
    ("account", "id"),
    ("customer", "id"),
)
_ACCOUNT_WORDS = (("account", "number"), ("account", "no"), ("aws", "account"), ("iban",))
_PAIR_WORDS = frozenset({"id", "key", "number", "no", "account", "iban"})  # one in each pair


def find(scan: Scan, assignments: list[Assignment]) -> list[Candidate]:
    text, found = scan.text, []
    if scan.has("aws"):
        # A match starts at "arn:aws", "sqs.", "iam::" or 12 digits before ".dkr.ecr.".
        starts = scan.positions("arn:aws") + scan.positions("sqs.") + scan.positions("iam::")
        starts += [p - 12 for p in scan.positions(".dkr.ecr.")]
        for m in matches_at(_AWS_ACCOUNT, text, starts):
            group = next(g for g in range(1, 5) if m.group(g))
            found.append(_span(m.start(group), m.end(group), FORMAT_PRIORITY, 0.9))
    if scan.has_any_cased(_CUSTOMER_PREFIXES):
        found.extend(
            _span(m.start(), m.end(), FORMAT_PRIORITY, 0.8) for m in _CUSTOMER.finditer(text)
        )
    if scan.has("googleusercontent"):
        found.extend(
            _span(m.start(), m.end(), FORMAT_PRIORITY, 0.9) for m in _GOOGLE_CLIENT.finditer(text)
        )
    if text.isascii():
        plus, area = _PLUS_DIGIT_START, _AREA_CODE_START
        # Each is searched only where the trigger pass saw its loose form.
        hinted = (scan.has(PLUS_DIGIT) and plus.search(text)) or (
            scan.has(AREA_CODE) and area.search(text)
        )
    else:
        plus, area = _LOOSE_HINTS
        hinted = plus.search(text) or area.search(text)
    if scan.has_any(_PHONE_WORDS) or hinted:
        found.extend(_phones(scan, plus, area))
    if scan.has_any(_CARD_WORDS):
        found.extend(_cards(scan))
    found.extend(_span(a.start, a.end, PRIORITY, 0.6) for a in assignments if _is_id_assignment(a))
    return found


def _phones(scan: Scan, plus: re.Pattern, area: re.Pattern):
    """Phone numbers on lines that name a phone or hold "+<digit>" or "(ddd)": only
    there can a match be kept, and a match never spans lines, so scanning just those
    lines finds what a scan of the whole text would find there.

    A match is kept if its line names a phone (_PHONE_CONTEXT) or it starts with "+" or
    "(ddd)" where a match can begin (a hint), so lines with a phone word but no context
    are left out. In ASCII text a line that _PHONE_CONTEXT matches holds a phone word in
    lower case too, so hints where no match can begin (`plus`, `area`) are left out as
    well. Elsewhere (`(?i)` also reads the long s, U+017F, as "s") the caller passes the
    loose hints, which hold every line with a "+<digit>" or "(ddd)"."""
    text = scan.text
    positions = [p for word in _PHONE_WORDS for p in scan.positions(word)]
    if text.isascii():
        # There a _PHONE_CONTEXT match starts at a phone word: tried there, not on lines.
        positions = [p for p in positions if _PHONE_CONTEXT.match(text, p)]
        words = scan.lines_at(positions)
    else:
        words = scan.lines_at(positions)
        words = [line for line in words if _phone_context(scan, line[0])]
    hints = [m.start() for m in plus.finditer(text)]
    hints += [m.start() for m in area.finditer(text)]
    lines = sorted({*words, *scan.lines_at(hints)})
    for m in (m for start, end in lines for m in _PHONE.finditer(text, start, end)):
        literal = m.group()
        digits = sum(map(str.isdigit, literal))
        if not 7 <= digits <= 15 or _looks_like_date_or_version(literal):
            continue
        in_context = _phone_context(scan, m.start())
        if in_context and _on_a_long_line(scan, m.start()):
            # A phone word somewhere on a minified line says nothing about this number:
            # only one just before it does.
            in_context = bool(_PHONE_CONTEXT.search(text, max(0, m.start() - 60), m.start()))
        formatted = literal.startswith("+") or re.fullmatch(r"\(\d{3}\) ?\d{3}-\d{4}", literal)
        if in_context or (formatted and digits >= 10 and " " in literal + "-"):
            yield _span(m.start(), m.end(), PRIORITY, 0.7 if in_context else 0.5)


def _phone_context(scan: Scan, pos: int) -> bool:
    return scan.line_matches(_PHONE_CONTEXT, pos, _PHONE_CONTEXT_FOLDED)


def _on_a_long_line(scan: Scan, pos: int) -> bool:
    start, end = scan.line_at(pos)
    return end - start > MINIFIED_LINE


def _looks_like_date_or_version(literal: str) -> bool:
    return bool(_DATE_OR_VERSION.fullmatch(literal)) or (
        literal.count(".") >= 2 and not literal.startswith("+")
    )


def _cards(scan: Scan):
    for m in _CARD.finditer(scan.text):
        digits = re.sub(r"\D", "", m.group())
        plausible = 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 2
        if plausible and scan.line_matches(_CARD_CONTEXT, m.start()):
            yield _span(m.start(), m.end(), PRIORITY, 0.7)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def is_id_name(words: tuple[str, ...]) -> bool:
    """A name whose value this rule can take as an ID (`client_id`, `account_number`)."""
    if _PAIR_WORDS.isdisjoint(words):
        return False
    return any(_has_pair(words, pair) for pair in _CLIENT_WORDS + _ACCOUNT_WORDS)


def _is_id_assignment(a: Assignment) -> bool:
    words = a.words
    if not (a.quoted or a.config_line) or not 6 <= len(a.value) <= 128:
        return False
    if not is_id_name(words):
        return False
    value = a.value
    if values.unusable(value) or values.looks_like_code(value, strict=False) or " " in value:
        return False
    if values.is_uuid(value) and "client" not in words:
        return "account" in words or "customer" in words
    return any(c.isdigit() for c in value)


def _has_pair(words: tuple[str, ...], pair: tuple[str, ...]) -> bool:
    return all(w in words for w in pair)


def _span(start: int, end: int, priority: int, score: float) -> Candidate:
    return Candidate(DetectedSpan(start, end, ID, score=score), priority)
