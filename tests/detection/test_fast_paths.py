"""Each shortcut of the detector gives what the full scan it replaces gives (pure, no DB).

The shortcuts try a regex only at offsets found by the trigger pass, or only on lines
that can keep a match. Random mixtures of the pieces those regexes read, with the
pieces that must not count, check every shortcut against `finditer` over the whole text.
"""

import random
import re

import pytest

from annotator.detection import detect, ids, ips, names, passwords, secrets, usernames, values
from annotator.detection.assignments import find_assignments
from annotator.detection.context import URL_USERINFO, Scan
from annotator.detection.triggers import matches_at

PIECES = [
    "https://", "http://", "www.", "github.com/", "GitHub.COM/", "gist.github.com/",
    "huggingface.co/", "t.me/", "x.com/", "linkedin.com/in/", "medium.com/@", "jdoe", "@",
    "/home/", "/Users/", "C:\\Users\\", "C:\\\\Users\\\\", "D:/Users/", "Users", "arn:aws:iam::",
    "123456789012", ":", "sqs.us-east-1.amazonaws.com/", "/", ".dkr.ecr.", "iam::", "db",
    "postgres://", "app:s3cret@", "host", "+1 ", "x+1", "(415) ", "f(123)", "555-0100", " ",
    "\n", "tel: ", "hotel ", "phone", "-", ".", "é", "\u017fms ", "Copyright ", "Jo Li",
    "aaaaaaaa+b", "<", "'", "https://www.gist.github.com/", "http://www.huggingface.co/",
]  # fmt: skip


def mixtures(pieces, *, seed: int, count: int, most: int):
    """`count` texts, each 1 to `most` pieces drawn at random (seeded)."""
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(1, most)))


def random_texts(seed: int, count: int = 400):
    return mixtures(PIECES, seed=seed, count=count, most=30)


def spans(matches):
    return [m.span() for m in matches]


def assert_finds_all(pattern, text: str, starts) -> None:
    """Trying `pattern` only at `starts` finds what a scan of the whole text finds."""
    assert spans(matches_at(pattern, text, starts)) == spans(pattern.finditer(text)), text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_profile_urls_and_home_directories_equal_a_full_scan(seed):
    for text in random_texts(seed):
        scan = Scan(text)
        starts = usernames._profile_starts(scan)
        if starts is not None:
            assert_finds_all(usernames._PROFILE, text, starts)
        home = scan.positions("/home/")
        home += [p - k for p in scan.positions("users") for k in (1, 3, 4)]
        assert_finds_all(usernames._HOME, text, home)


@pytest.mark.parametrize("seed", [4, 5])
def test_url_userinfo_and_aws_accounts_equal_a_full_scan(seed):
    for text in random_texts(seed):
        scan = Scan(text)
        assert spans(scan.url_userinfo) == spans(URL_USERINFO.finditer(text)), text
        starts = scan.positions("arn:aws") + scan.positions("sqs.") + scan.positions("iam::")
        starts += [p - 12 for p in scan.positions(".dkr.ecr.")]
        assert_finds_all(ids._AWS_ACCOUNT, text, starts)


def test_the_copyright_segment_ends_where_the_old_split_ended():
    old = re.compile(r"[<(\[\"'{]|\ball rights\b|https?://|[\w.+\-]+@|\s{3,}|(?<!\b[A-Z])\.\s")
    for text in random_texts(6):
        cut = names._SEGMENT_END.search(text)
        assert (text[: cut.start()] if cut else text) == old.split(text, maxsplit=1)[0], text


def reference_phones(scan):
    """The phone rule before its shortcuts: every line with a phone word or a loose hint."""
    text = scan.text
    positions = [p for word in ids._PHONE_WORDS for p in scan.positions(word)]
    positions += [m.start() for m in ids._PLUS_DIGIT.finditer(text)]
    positions += [m.start() for m in ids._AREA_CODE.finditer(text)]
    found = set()
    for start, end in sorted({scan.line_at(p) for p in positions}):
        for m in ids._PHONE.finditer(text, start, end):
            literal = m.group()
            digits = sum(c.isdigit() for c in literal)
            if not 7 <= digits <= 15 or ids._looks_like_date_or_version(literal):
                continue
            in_context = scan.line_matches(ids._PHONE_CONTEXT, m.start())
            formatted = literal.startswith("+") or re.fullmatch(r"\(\d{3}\) ?\d{3}-\d{4}", literal)
            if in_context or (formatted and digits >= 10 and " " in literal + "-"):
                found.add(m.span())
    return found


@pytest.mark.parametrize("seed", [7, 8])
def test_phones_on_the_lines_kept_equal_phones_on_every_hinted_line(seed):
    for text in random_texts(seed):
        scan = Scan(text)
        plus, area = (
            (ids._PLUS_DIGIT_START, ids._AREA_CODE_START) if text.isascii() else ids._LOOSE_HINTS
        )
        kept = {(s.span.start, s.span.end) for s in ids._phones(scan, plus, area)}
        assert kept == reference_phones(Scan(text)), text


def test_card_numbers_equal_the_scan_with_leading_look_behinds():
    old = re.compile(
        r"(?<![\d\-])(?:\d{4}[ \-]){3}\d{1,4}(?:[ \-]?\d{3})?(?![\d\-])|(?<!\d)\d{13,19}(?!\d)"
    )
    arabic_indic = "\u0661\u0662\u0663\u0664"  # also digits to `\\d`
    pieces = ["4111", "1111", "123", "9", " ", "-", "a", arabic_indic, "4111111111111111"]
    for text in mixtures(pieces, seed=11, count=3000, most=14):
        assert spans(ids._CARD.finditer(text)) == spans(old.finditer(text)), text


def test_command_line_passwords_tried_at_their_words_equal_a_full_scan():
    pieces = [
        "mysql", "mysqldump", " -u", "\t-u", " root", " -p", "-pS3cret", " --password=", "-pwd ",
        "--pass ", "sshpass -p ", "redis-cli", " -a ", "hunter2", " ", "\n", "x", "PASS", "'",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=12, count=3000, most=14):
        found = {(c.span.start, c.span.end) for c in passwords._cli_passwords(Scan(text))}
        full = {
            m.span("value")
            for m in passwords._CLI.finditer(text)
            if not values.unusable(m.group("value")) and not m.group("value").startswith(("$", "-"))
        }
        assert found == full, text


def test_a_folded_context_word_still_finds_the_phone_in_non_ascii_text():
    # (?i) reads "\u017fms" (long s) as "sms"; no lower-cased phone word is on that line.
    text = "\u017fms 555 123 4567 x+1\n"
    assert [(s.label, text[s.start : s.end]) for s in detect(text)] == [("ID", "555 123 4567")]


def test_dotted_quads_tried_at_digit_run_starts_equal_a_full_scan():
    pieces = ["1", "22", "333", "4444", ".", "..", "a", " ", "-", "\u0661", "10.0.0.1"]
    for text in mixtures(pieces, seed=9, count=2000, most=16):
        hints = [m.start() for m in ips._IPV4_HINT.finditer(text)]
        starts = ips._digit_run_starts(text, hints)
        assert_finds_all(ips._IPV4, text, starts)


def test_bearer_tokens_tried_before_whitespace_equal_a_full_scan():
    value = "abcDEF123456789012345xyz"
    pieces = ["token", "Bearer", "TOKEN", "-", " ", "\t", "\n", "\xa0", "x", value, "="]
    for text in mixtures(pieces, seed=10, count=2000, most=12):
        found = {(s.span.start, s.span.end) for s in secrets._bearer_tokens(Scan(text))}
        full = {
            m.span(1)
            for m in secrets._BEARER.finditer(text)
            if values.secret_like(m.group(1), min_length=20)
        }
        if Scan(text).has("bearer") or Scan(text).has("token "):
            assert found == full, text


@pytest.mark.parametrize(
    "line",
    [
        " -- Jane Roe <jane@example.org>  Mon, 01 Jan 2024 10:00:00 +0000",  # `^` branches
        "2024-01-31  Jane Roe  <jane@example.org>",
        "    AUTHOR_EMAIL = 'x'",
        "  Signed-Off-By: Someone",
        "x = (C) 2019",
        "nothing here at all",
        "  -- j\u212ane@example.org",  # Kelvin sign: not ASCII, searched with (?i) as written
    ],
)
def test_attribution_lines_folded_to_lower_case_match_as_the_ignorecase_pattern(line):
    from annotator.detection import context

    text = "x = 1\n" + line + "\ny = 2\n"
    scan = Scan(text)
    expected = bool(context._ATTRIBUTION_LINE.search(line))
    assert scan.line_matches(context._ATTRIBUTION_LINE, 7, context._ATTRIBUTION_LINE_FOLDED) == (
        expected
    )


def test_name_openers_and_prompts_read_on_lines_with_an_at_sign_equal_a_full_scan():
    pieces = ["Jo Li ", "<", "(", "[", " ", "mailto:", "jo.li", "@", "x.org>", "\n", "jdoe@"]
    pieces += ["box:~$ ", "\n\n"]
    for text in mixtures(pieces, seed=13, count=2000, most=14):
        scan = Scan(text)
        on_lines = [
            m.span() for s, e in scan.at_lines for m in names._EMAIL_OPENER.finditer(text, s, e)
        ]
        assert on_lines == spans(names._EMAIL_OPENER.finditer(text)), text
        # The prompt rule has always started at the lines of its "@"s (a prompt after
        # blank lines starts there, not at the first blank line as finditer would).
        old_starts = {scan.line_at(i)[0] for i, ch in enumerate(text) if ch == "@"}
        prompts = spans(matches_at(usernames._PROMPT, text, [s for s, _ in scan.at_lines]))
        assert prompts == spans(matches_at(usernames._PROMPT, text, old_starts)), text


def test_pattern_gates_answer_as_the_regex_searches_they_replace():
    from annotator.detection import triggers

    pieces = ["+", "1", "23", "(", ")", "(555)", ".", "10.0.0", ":", "fe80", "::", "a", " ", "\n"]
    for text in mixtures(pieces, seed=14, count=3000, most=16):
        scan = Scan(text)
        assert scan.has(triggers.PLUS_DIGIT) == bool(ids._PLUS_DIGIT.search(text)), text
        assert scan.has(triggers.AREA_CODE) == bool(ids._AREA_CODE.search(text)), text
        assert scan.has(triggers.IPV4_RUN) == bool(ips._IPV4_HINT.search(text)), text
        assert scan.has(triggers.IPV6_RUN) == bool(ips._IPV6_HINT.search(text)), text
        upper = "\u00e9" + text.upper() + "\u212a"  # IPV6_RUN stays exact beyond ASCII
        assert Scan(upper).has(triggers.IPV6_RUN) == bool(ips._IPV6_HINT.search(upper)), upper


def test_the_at_mark_gate_answers_as_the_obfuscation_mark_search():
    from annotator.detection import emails, triggers

    pieces = [
        "at", "AT", "dot", " ", "\t", "\n", "\x1c", "\x1f", "\x7f", "[", "]", "(", ")", "{",
        "}", "<", ">", "a", "t", "x", "\u00a0", "\u2003", "\u00e9",
    ]  # fmt: skip
    checked = 0
    for text in mixtures(pieces, seed=24, count=6000, most=8):
        scan = Scan(text)
        expected = bool(emails._OBFUSCATION_MARK.search(scan.lower))
        assert emails._has_obfuscation_mark(scan) == expected, text
        if text.isascii():
            assert scan.has(triggers.AT_MARK) == expected, text
            checked += expected
    assert checked > 50  # texts that hold a mark, the rest do not


def test_ipv6_tried_at_colon_pairs_equals_a_full_scan():
    pieces = [
        ":", "::", "fe80", "2001", "db8", "1", "a", "F", "g", "x", ".", "10.0.0.1", "/", " ",
        "\n", "std", "\u00e9", "\u0661", "_", "dead", "beef",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=15, count=4000, most=24):
        assert_finds_all(ips._IPV6, text, ips._ipv6_starts(text))


def test_phone_regex_led_by_its_first_character_equals_the_look_behind_form():
    old = re.compile(
        r"(?<![\w.+\-/])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?\d{2,4}"
        r"(?:[ .\-]\d{2,5}){1,4}(?![\w.\-/]|:\d)|(?<![\w.+\-/])\+\d{8,15}\b"
    )
    rng = random.Random(16)
    pieces = [
        "+", "(", ")", "1", "23", "4567", "+1 ", "(415) ", "555-0100", " ", ".", "-", "/",
        "a", "_", ":", ":5", "\u0661\u0662", "\n", "x", "\u00e9", "123456789",
    ]  # fmt: skip
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert spans(ids._PHONE.finditer(text)) == spans(old.finditer(text)), text
        assert spans(ids._PHONE.finditer(text, start, end)) == spans(
            old.finditer(text, start, end)
        ), (text, start, end)


def test_url_userinfo_tried_only_before_the_last_at_sign_equals_a_full_scan():
    pieces = [
        "postgres://", "http://", "x://", "app", ":", "s3cret", "@", "host", "/", " ", "\n",
        "'", "[::1]", "u", "-", "://", "a@b",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=17, count=4000, most=20):
        assert spans(Scan(text).url_userinfo) == spans(URL_USERINFO.finditer(text)), text


def reference_person_fields(scan, assignments):
    """names._person_fields before the license look-up was deferred."""
    for a in assignments:
        if not a.quoted or not 2 <= len(a.value) <= 60 or values.is_template(a.value):
            continue
        named = not names._FIELD_WORDS.isdisjoint(a.words)
        explicit = (
            named and any(all(w in a.words for w in pair) for pair in names._PERSON_FIELDS)
        ) or (a.words == ("name",) and scan.in_license(a.start))
        generic = a.words[-1:] == ("name",) or a.words[-1:] in (("author",), ("owner",))
        if not (explicit or generic):
            continue
        tokens = a.value.split()
        if not explicit and (len(tokens) < 2 or tokens[0] not in names.first_names()):
            continue
        if names._is_person(a.value, single_ok=explicit) and names._NAME_RUN.fullmatch(a.value):
            yield a.start, a.end


def test_person_fields_with_the_license_looked_up_last_equal_the_old_order():
    pieces = [
        'name = "Ada Lovelace"\n', 'name = "Ada"\n', 'name = "ada"\n', 'name = "MIT"\n',
        '{ name = "John Smith" },\n', 'first_name = "Ann"\n', 'author = "Jane Roe"\n',
        'owner = "Bob"\n', 'name: "X Y Z W V"\n', "# Copyright 2020 Jo Li\n",
        "# Licensed under the MIT License\n", "authors = [\n", "]\n", "\n", "x = 1\n",
        "# Written by Jo Li\n", '"""\n', "Copyright (c) ",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=18, count=3000, most=12):
        scan, old_scan = Scan(text), Scan(text)
        new = [
            (c.span.start, c.span.end) for c in names._person_fields(scan, find_assignments(scan))
        ]
        assert new == list(reference_person_fields(old_scan, find_assignments(old_scan))), text


def test_phone_context_spelled_out_matches_where_the_ignorecase_regex_does():
    old = re.compile(r"(?i)phone|\btel\b|tel:|mobile|\bcell|\bfax\b|whatsapp|contact|\bsms")
    pieces = [
        "phone", "PHONE", "Tel", "tel:", "hotel", "Mobile", "MOB\u0130LE", "mob\u0131le",
        "cell", "excel", "Fax", "faxes", "WhatsApp", "what\u017fapp", "contact", "SMS",
        "\u017fm\u017f", "sms", "x", "_", "1", " ", "\n", ":", "\u00e9", "\u212a", "t", "s", "el",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=19, count=3000, most=10):
        assert bool(ids._PHONE_CONTEXT.search(text)) == bool(old.search(text)), text
        for pos in range(len(text)):
            assert bool(ids._PHONE_CONTEXT.match(text, pos)) == bool(old.match(text, pos)), (
                text,
                pos,
            )


def test_profile_urls_beyond_ascii_tried_at_their_hints_equal_a_full_scan():
    pieces = [
        "https://", "http\u017f://", "www.", "WWW.", "github.com/", "GITHUB.COM/", "keybase.io/",
        "keybase.\u0131o/", "KEYBASE.\u0130O/", "t.me/", "T.ME/", "huggingface.co/", "gist.",
        "jdoe", "J\u0131m", "\u00e9", "/", " ", "\n", "x", "@", ".", "-", "\u0130nstagram.com/",
        "\u212aeybase.io/", "Medium.com/@",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=20, count=4000, most=16):
        starts = usernames._profile_starts(Scan(text))
        assert_finds_all(usernames._PROFILE, text, starts)


def test_folded_attribution_search_answers_as_the_ignorecase_pattern_on_ascii_lines():
    from annotator.detection import context

    rng = random.Random(21)
    pieces = [
        "Copyright", "(C) 2019", "(c)x", "@Author", "@maintainer", "__author__", "__email__",
        "_author__", "authors", "Author_Email", "author_name", "maintainers", "contributor",
        "xauthor", "author1", '"', "'", " ", ":", "=", "<author>", "<developer", "written by",
        "contributed by", "created by", "maintained by", "signed-off-by", "co-authored-by",
        "moduleauthor", "codeauthor", "$author:", "spdx-filecopyrighttext", " -- ", "--",
        "<", ">", "j@x.org", "2024-01-31", "  ", "1", "\t", "x", "_", "a", "m", "c", "s",
    ]  # fmt: skip
    for _ in range(10000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))).lower()
        expected = bool(context._ATTRIBUTION_LINE.search(line))
        assert context._ATTRIBUTION_LINE_FOLDED.search(line) == expected, line


def test_only_four_characters_beyond_ascii_match_an_ascii_letter_under_ignorecase():
    from annotator.detection import context

    letter = re.compile("(?i)[a-z]")
    beyond = [chr(c) for c in range(0x80, 0x110000) if letter.fullmatch(chr(c))]
    assert [bool(context._ASCII_FOLDS.fullmatch(ch)) for ch in beyond] == [True] * 4


def test_ascii_lower_changes_ascii_capitals_only():
    from annotator.detection import context

    pieces = ["ABC", "xyz", "\u0130", "\u00c9", "\u212a", "\ud800", "\U0001f600", "Z@[", "`{"]
    for text in mixtures(pieces, seed=27, count=2000, most=8):
        expected = "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)
        assert context._ascii_lower(text) == expected, text
    scan = Scan("\u0130STANBUL Phone")  # str.lower() would make the first letter two
    assert scan.lower == "\u0130stanbul phone"


def test_lower_casing_keeps_word_blank_and_digit_characters_as_they_were():
    classes = [re.compile(r"\w"), re.compile(r"\s"), re.compile(r"\d")]
    changed = []
    for code in range(0x80, 0x110000):
        ch = chr(code)
        lower = ch.lower()
        if len(lower) != 1 or lower == ch:
            continue  # a longer lower case changes the length: Scan lowers ASCII only then
        if [bool(c.match(ch)) for c in classes] != [bool(c.match(lower)) for c in classes]:
            changed.append(ch)
        if lower.isascii() and ch != "\u212a":  # the Kelvin sign: IGNORECASE reads it as k
            changed.append(ch)
    assert changed == []


def test_attribution_lines_beyond_ascii_answer_as_the_ignorecase_pattern():
    from annotator.detection import context

    pieces = [
        "Copyright", "(C) 2019", "@Author", "__author__", "Author_Email", "maintainers",
        "written by", "Signed-Off-By", " -- ", "<", ">", "j@x.org", "2024-01-31", " ", ":",
        "=", "\u00e9", "\u00c9", "\u00df", "\u00a9", "\u0416", "\u0131", "\u0130",
        "\u017f", "\u212a", "Ko\u0308nig", "x", "_", "a", "\t", "wr\u0131tten by",
        "\u017figned-off-by:", "@AUTHOR\u017f",
    ]  # fmt: skip
    checked = 0
    for line in mixtures(pieces, seed=23, count=6000, most=6):
        if line.isascii():
            continue
        scan = Scan("x = 1\n" + line + "\ny = 2\n")
        expected = bool(context._ATTRIBUTION_LINE.search(line))
        found = scan.line_matches(context._ATTRIBUTION_LINE, 6, context._ATTRIBUTION_LINE_FOLDED)
        assert found == expected, line
        checked += 1
    assert checked > 3000


def test_phone_context_on_lower_cased_lines_answers_as_the_pattern_as_written():
    pieces = [
        "phone", "Phone", "PHONE", "tel", "Tel:", "TEL", "mobile", "MOB\u0130LE", "mob\u0131le",
        "cell", "Cellular", "contact", "fax", "FAX", "whatsapp", "WhatsApp", "whats\u017fapp",
        "sms", "SMS", "\u017fms", "x", "_", "1", " ", ".", ":", "\u00e9", "\u00c9", "\u212a",
        "\u0416", "hotel", "excell",
    ]  # fmt: skip
    for line in mixtures(pieces, seed=25, count=8000, most=5):
        scan = Scan("x = 1\n" + line + "\ny = 2\n")
        expected = bool(ids._PHONE_CONTEXT.search(line))
        assert ids._phone_context(scan, 6) == expected, line


def test_a_mention_with_only_blanks_before_it_on_its_line_has_no_comment_marker_before_it():
    pieces = [
        "@jdoe", "@Override", "  ", "\t", "\n", "\u00a0", "\u2003", "#", "# ", "//", "/*",
        "*/", "* ", "--", "-- ", ";", "<!--", "x", ":", "{",
    ]  # fmt: skip
    checked = 0
    for text in mixtures(pieces, seed=26, count=6000, most=8):
        for m in usernames._MENTION.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if text[line_start : m.start()].strip():
                continue
            line_end = len(text) if text.find("\n", m.start()) == -1 else text.find("\n", m.start())
            marker = usernames._COMMENT_BEFORE.search(text, line_start, line_end)
            assert marker is None or marker.end() > m.start(), text
            checked += 1
    assert checked > 300


@pytest.mark.parametrize("seed", [28, 29])
def test_assignments_no_rule_can_take_change_no_rule_s_answer(seed):
    from annotator.detection import _taken_by_a_rule, emails

    names_ = [
        "password", "db_pass", "api_key", "result_key", "key", "secret_token", "next_token",
        "client_id", "owner_id", "account_number", "aws_account", "username", "user", "login",
        "author", "author_name", "name", "filename", "first_name", "owner", "keywords", "AUTH",
    ]  # fmt: skip
    values_ = [
        '"hunter2!x"', "'Jane Roe'", '"jdoe"', '"AKIAIOSFODNN7EXAMPLE"', "12345678", '"4f9a1c"',
        "os.environ['X']", '"x"', "None", '"sk_live_4eC39HqLyjWDarjtT1zdp7dc"', '"Maria Garcia"',
    ]  # fmt: skip
    separators = [" = ", ": ", "=", "(", ", ", ">"]
    lines = [f"{n}{sep}{v}" for n in names_ for sep in separators for v in values_]
    pieces = [*lines, *names_, *values_, "\n", "\n", "  ", "# ", "<", "self.", '"', ")"]
    rules = (secrets, passwords, usernames, ids, names)
    taken = 0
    for text in mixtures(pieces, seed=seed, count=1500, most=12):
        scan = Scan(text)
        every, wanted = find_assignments(scan), find_assignments(scan, _taken_by_a_rule)
        taken += len(wanted)
        for rule in rules:
            assert rule.find(scan, every) == rule.find(scan, wanted), (rule.__name__, text)
        assert emails.find(scan) is not None
    assert taken > 1500


def test_obfuscated_addresses_tried_before_their_at_marks_equal_a_full_scan():
    from annotator.detection import emails

    pieces = [
        "john", "j.doe", "a+b", "x-y", "_", ".", " ", "  ", "\n", "\t", " at ", " AT ", "(at)",
        "[ at ]", "{AT}", "<at>", "at", " dot ", "[dot]", "example", "com", "org", ".com",
        "-", "+", "\u0131", "\u212a", "\u00e9", "1", "data", "x" * 45,
        "a+b at example.com", "x-y [at] example [dot] org",
    ]  # fmt: skip
    for text in mixtures(pieces, seed=22, count=12000, most=10):
        starts = emails._obfuscated_starts(Scan(text))
        assert_finds_all(emails._OBFUSCATED, text, starts)
