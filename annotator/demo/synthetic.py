"""Synthetic source files with fake PII whose truth is known to the character.

Pure and deterministic: the same (count, seed) gives the same files on every run of
the same Faker version. Used by the demo seed, and meant for the crowd simulator and
the detector evaluation too, so the truth follows /work/shared/PII-GUIDELINES.md:

- `spans` are the PII a perfect annotator labels: 0-based, end-exclusive character
  offsets into `content`, never overlapping, sorted.
- `decoys` are look-alikes that must NOT be labeled (version numbers, hashes, UUIDs,
  loopback addresses, doc tags, templated or placeholder secrets, ...), so an
  evaluation can count false positives on them.

A file is assembled from lines made of pieces: plain strings, `_Pii` values and
`_Decoy` values. The writer records the offsets of the last two as it goes, so no
offset is ever computed by hand.
"""

import ipaddress
import random
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from faker import Faker

NAME, EMAIL, USERNAME, IP = "NAME", "EMAIL", "USERNAME", "IP_ADDRESS"
PASSWORD, KEY, ID = "PASSWORD", "KEY", "ID"
LICENSE, PLACEHOLDER, REAL = "license", "placeholder", "real"
DECOY_KINDS = (
    "version", "hash", "uuid", "loopback", "doc_tag",
    "template", "placeholder_key", "algorithm_id", "system_account",
)  # fmt: skip


@dataclass(frozen=True)
class TruthSpan:
    start: int
    end: int
    category: str
    context: str = REAL


@dataclass(frozen=True)
class Decoy:
    start: int
    end: int
    kind: str  # one of DECOY_KINDS


@dataclass(frozen=True)
class SyntheticFile:
    path: str
    language: str
    content: str
    spans: tuple[TruthSpan, ...]
    decoys: tuple[Decoy, ...] = ()
    license: str = ""
    repository: str = ""

    def value(self, span: TruthSpan | Decoy) -> str:
        return self.content[span.start : span.end]


@dataclass(frozen=True)
class _Pii:
    value: str
    category: str
    context: str = REAL


@dataclass(frozen=True)
class _Decoy:
    value: str
    kind: str


Piece = str | _Pii | _Decoy
Line = Sequence[Piece]


class _Writer:
    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.pos = 0
        self.spans: list[TruthSpan] = []
        self.decoys: list[Decoy] = []
        self.line_count = 0

    def line(self, pieces: Line) -> None:
        for piece in pieces:
            text = piece if isinstance(piece, str) else piece.value
            end = self.pos + len(text)
            if isinstance(piece, _Pii):
                self.spans.append(TruthSpan(self.pos, end, piece.category, piece.context))
            elif isinstance(piece, _Decoy):
                self.decoys.append(Decoy(self.pos, end, piece.kind))
            self.chunks.append(text)
            self.pos = end
            self.line_count += text.count("\n")
        self.chunks.append("\n")
        self.pos += 1
        self.line_count += 1


# --- languages ---------------------------------------------------------------


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class _Lang:
    name: str
    ext: str
    comment: str  # line-comment prefix
    quoting: tuple[str, str]  # an assignment: before.format(name), value, after
    case: Callable[[str], str]  # how this language spells a snake_case setting name
    filler: tuple[str, ...]  # function templates using {fn} {Fn} {arg} {field} {n}
    block_comment: bool = False  # /* ... */ headers and /** doc */ blocks
    indent: str = ""  # of comments in the body (Java's live inside the class)
    first: str = ""  # a line that must open the file (shebang, <?php)
    prologue: tuple[str, ...] = ()
    epilogue: tuple[str, ...] = ()
    # (opening line before the value, closing text after it, indent of continued lines)
    multiline: tuple[str, str, str] | None = None

    def assign(self, key: str, value: Line) -> Line:
        before, after = self.quoting
        return [before.format(self.case(key)), *value, after]


_C_LIKE_FILLER = (
    "{ret} {fn}({typ} {arg}) {{\n    if ({arg} == {n}) {{\n        return {n};\n    }}\n"
    "    return {arg}{dot}{field} + {n};\n}}",
    "{ret} {fn}_all({typ} {arg}) {{\n    {ret} total = 0;\n    for (int i = 0; i < {n}; i++) {{\n"
    "        total += {arg}{dot}{field};\n    }}\n    return total;\n}}",
)

LANGUAGES: tuple[_Lang, ...] = (
    _Lang("Python", "py", "#", ('{} = "', '"'), str.upper, (
        "def {fn}({arg}):\n    if not {arg}:\n        return None\n    return {arg}.{field} * {n}",
        "class {Fn}:\n    def __init__(self, {arg}):\n        self.{field} = {arg}\n\n"
        "    def {fn}(self):\n        return [x for x in self.{field} if x > {n}]",
    ), multiline=('{} = """', '"""', "")),
    _Lang("JavaScript", "js", "//", ("const {} = '", "';"), _camel, (
        "function {fn}({arg}) {{\n  if (!{arg}) {{\n    return null;\n  }}\n"
        "  return {arg}.{field} * {n};\n}}",
        "export async function {fn}All({arg}) {{\n  const rows = await {arg}.{field}();\n"
        "  return rows.filter((row) => row.size > {n});\n}}",
    ), block_comment=True, multiline=("const {} = `", "`;", "")),
    _Lang("Java", "java", "//", ('    static final String {} = "', '";'), str.upper, (
        "    public int {fn}(int {arg}) {{\n        if ({arg} < {n}) {{\n            return 0;\n"
        "        }}\n        return {arg} * this.{field};\n    }}",
        "    private List<String> {fn}List() {{\n        List<String> out = new ArrayList<>();\n"
        "        out.add(\"{field}\");\n        return out;\n    }}",
    ), block_comment=True, indent="    ",
        prologue=("package org.sample.app;", "", "public class Service {"),
        epilogue=("}",), multiline=('    static final String {} = """', '""";', "")),
    _Lang("Go", "go", "//", ('var {} = "', '"'), _camel, (
        "func {fn}({arg} int) int {{\n\tif {arg} > {n} {{\n\t\treturn {arg}\n\t}}\n"
        "\treturn {n}\n}}",
        "func ({arg} *Client) {Fn}() error {{\n\tif {arg}.{field} == nil {{\n"
        '\t\treturn errors.New("{fn} missing")\n\t}}\n\treturn nil\n}}',
    ), block_comment=True, prologue=("package main", "", 'import "errors"'),
        multiline=("var {} = `", "`", "")),
    _Lang("Ruby", "rb", "#", ("{} = '", "'"), str.upper, (
        "def {fn}({arg})\n  return nil if {arg}.nil?\n  {arg}.{field} * {n}\nend",
        "class {Fn}\n  def initialize({arg})\n    @{field} = {arg}\n  end\nend",
    ), multiline=("{} = <<~PEM", "\nPEM", "")),
    _Lang("C", "c", "//", ('static const char *{} = "', '";'), str.lower, tuple(
        t.replace("{ret}", "int").replace("{typ}", "const struct conn *").replace("{dot}", "->")
        for t in _C_LIKE_FILLER
    ), block_comment=True, prologue=("#include <stdio.h>", "#include <string.h>")),
    _Lang("PHP", "php", "//", ("define('{}', '", "');"), str.upper, (
        "function {fn}(${arg})\n{{\n    if (empty(${arg})) {{\n        return null;\n    }}\n"
        "    return ${arg}->{field} * {n};\n}}",
    ), block_comment=True, first="<?php", multiline=("${} = <<<'PEM'", "\nPEM;", "")),
    _Lang("Shell", "sh", "#", ('export {}="', '"'), str.upper, (
        '{fn}() {{\n  local {arg}="$1"\n  if [ -z "${arg}" ]; then\n    return {n}\n  fi\n'
        '  echo "{field}: ${arg}"\n}}',
    ), first="#!/usr/bin/env bash", prologue=("set -euo pipefail",),
        multiline=("cat > {}.pem <<'EOF'", "\nEOF", "")),
    _Lang("YAML", "yaml", "#", ('{}: "', '"'), str.lower, (
        "{fn}:\n  enabled: true\n  {field}: {n}\n  {arg}:\n    - {field}\n    - {fn}",
    ), multiline=("{}: |", "", "  ")),
    _Lang("INI", "ini", ";", ("{} = ", ""), str.lower, (
        "[{fn}]\n{field} = {n}\n{arg} = true",
    )),
)  # fmt: skip


# --- fake values ----------------------------------------------------------------

# Words that would read as keywords in one of the languages: never used as identifiers.
_KEYWORDS = frozenset(
    str.split(
        "while until continue case else elif return class function const this break catch final "
        "static public private import package default then true false null none with from self "
        "pass raise yield super switch enum struct void char long short float double begin rescue "
        "ensure unless lambda global assert delete typeof throw throws extends implements "
        "interface export async await echo local done time range type func select chan go "
        "defer map string error nil"
    )
)
_SYSTEM_ACCOUNTS = {"root", "admin", "guest", "postgres", "nobody", "user", "test"}
_LICENSES = ("MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-or-later")


class _Fakes:
    """Seeded fake values. Every random choice goes through `rng` or `fake`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)

    def name(self) -> str:
        return f"{self.fake.first_name()} {self.fake.last_name()}"

    def email(self, name: str) -> str:
        first, last = name.lower().split(" ", 1)
        local = self.rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{last}{first[0]}"])
        local = "".join(c for c in local if c.isalnum() or c == ".")
        return f"{local}@{self.fake.free_email_domain()}"

    def username(self) -> str:
        while (handle := self.fake.user_name()) in _SYSTEM_ACCOUNTS:
            pass
        return handle

    def word(self) -> str:
        while True:
            word = self.fake.word().lower()
            if word.isalpha() and len(word) > 3 and word not in _KEYWORDS:
                return word

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def password(self) -> str:
        # Human-made passwords, without the characters that would end a quote or a DSN.
        if self.rng.random() < 0.5:
            return f"{self.word().title()}{self.rng.randint(1, 2030)}{self.rng.choice('!*_-+')}"
        return self.chars(string.ascii_letters + string.digits + "!*_-+", self.rng.randint(10, 16))

    def ipv4_private(self) -> str:
        return self.fake.ipv4_private()

    def ipv4_public(self) -> str:
        return self.fake.ipv4_public()

    def ipv6(self) -> str:
        while True:
            address = ipaddress.IPv6Address(self.fake.ipv6())
            if not (address.is_loopback or address.is_unspecified):
                return str(address)

    def private_key(self) -> str:
        body = [self.chars(string.ascii_letters + string.digits + "+/", 64) for _ in range(6)]
        return "\n".join(
            ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA" + body[0][16:], *body[1:],
             self.chars(string.ascii_letters + string.digits, 20) + "==",
             "-----END RSA PRIVATE KEY-----"]
        )  # fmt: skip


# --- blocks: each returns lines for one language, or None where it does not fit ------


def _comment(lang: _Lang, *pieces: Piece) -> Line:
    return [lang.indent, lang.comment, " ", *pieces]


def _header(f: _Fakes, lang: _Lang, license_name: str) -> list[Line]:
    author = f.name()
    maintainer = f.username()
    body: list[Line] = [
        [f"Copyright (c) {f.fake.year()} ", _Pii(author, NAME, LICENSE), " <",
         _Pii(f.email(author), EMAIL, LICENSE), ">"],
        ["Maintained by https://github.com/", _Pii(maintainer, USERNAME, LICENSE)],
        [],
        [f"Licensed under the {license_name} license; see the LICENSE file for details."],
    ]  # fmt: skip
    if lang.block_comment:
        return [["/*"], *([" *", *([" "] if p else []), *p] for p in body), [" */"]]
    return [[lang.comment, *([" "] if p else []), *p] for p in body]


def _doc_comment(f: _Fakes, lang: _Lang) -> list[Line]:
    arg = f.word()
    lines: list[Line] = [
        [f"Sends the {f.word()} request and waits for the reply."],
        [_Decoy("@param", "doc_tag"), f" {arg} the {f.word()} to send"],
        ["@author ", _Pii(f.username(), USERNAME, LICENSE)],
    ]
    if lang.block_comment:
        pad = lang.indent
        return [[pad + "/**"], *([pad + " * ", *line] for line in lines), [pad + " */"]]
    return [_comment(lang, *line) for line in lines]


def _placeholder_people(f: _Fakes, lang: _Lang) -> list[Line]:
    first, last = f.rng.choice([("John", "Doe"), ("Jane", "Doe"), ("Jane", "Roe")])
    email = f"{first[0].lower()}{last.lower()}@{f.rng.choice(['example.com', 'example.org'])}"
    return [
        _comment(lang, "Example: ", _Pii(f"{first} {last}", NAME, PLACEHOLDER), " <",
                 _Pii(email, EMAIL, PLACEHOLDER), ">"),
        lang.assign("test_user", [_Pii(f.rng.choice(["alice", "bob", "jdoe"]), USERNAME,
                                       PLACEHOLDER)]),
    ]  # fmt: skip


def _real_contact(f: _Fakes, lang: _Lang) -> list[Line]:
    person = f.name()
    return [
        _comment(lang, "Ask ", _Pii(person, NAME), " before changing the mail settings."),
        lang.assign("support_email", [_Pii(f.email(person), EMAIL)]),
    ]


def _github_credit(f: _Fakes, lang: _Lang) -> list[Line]:
    return [
        _comment(lang, "Fork of https://github.com/", _Pii(f.username(), USERNAME),
                 f"/{f.word()}, thanks to ", _Pii("@" + f.username(), USERNAME), " for the fix."),
    ]  # fmt: skip


def _home_dir(f: _Fakes, lang: _Lang) -> list[Line]:
    return [
        lang.assign("cache_dir", ["/home/", _Pii(f.username(), USERNAME), f"/.cache/{f.word()}"])
    ]


def _ip_addresses(f: _Fakes, lang: _Lang) -> list[Line]:
    return [
        lang.assign("db_host", [_Pii(f.ipv4_private(), IP)]),
        lang.assign("public_endpoint", ["https://", _Pii(f.ipv4_public(), IP), ":8443/api"]),
        lang.assign("upstream_v6", ["[", _Pii(f.ipv6(), IP), "]:443"]),
    ]


def _passwords(f: _Fakes, lang: _Lang) -> list[Line]:
    secret = f.password()
    return [
        lang.assign("db_password", [_Pii(secret, PASSWORD)]),
        # The same password again inside a DSN: every occurrence is labeled.
        lang.assign("database_url", ["postgres://postgres:", _Pii(secret, PASSWORD), "@",
                                     _Pii(f.ipv4_private(), IP), f":5432/{f.word()}"]),
    ]  # fmt: skip


def _cloud_keys(f: _Fakes, lang: _Lang) -> list[Line]:
    upper_digits = string.ascii_uppercase + string.digits
    alnum = string.ascii_letters + string.digits
    return [
        lang.assign("aws_access_key_id", [_Pii("AKIA" + f.chars(upper_digits, 16), KEY)]),
        lang.assign("aws_secret_access_key", [_Pii(f.chars(alnum + "/+", 40), KEY)]),
        lang.assign("github_token", [_Pii("ghp_" + f.chars(alnum, 36), KEY)]),
    ]


def _payments(f: _Fakes, lang: _Lang) -> list[Line]:
    alnum = string.ascii_letters + string.digits
    return [
        lang.assign("stripe_secret_key", [_Pii("sk_live_" + f.chars(alnum, 24), KEY)]),
        lang.assign("stripe_customer", [_Pii("cus_" + f.chars(alnum, 14), ID)]),
    ]


def _private_key(f: _Fakes, lang: _Lang) -> list[Line] | None:
    if lang.multiline is None:
        return None
    opening, closing, indent = lang.multiline
    pem = f.private_key().replace("\n", "\n" + indent)
    return [[opening.format(lang.case("deploy_key"))], [indent, _Pii(pem, KEY), closing]]


def _contact_ids(f: _Fakes, lang: _Lang) -> list[Line]:
    account = f.chars(string.digits, 12)
    return [
        lang.assign("oncall_phone", [_Pii(f.fake.phone_number(), ID)]),
        lang.assign("jobs_queue_arn", ["arn:aws:sqs:eu-west-1:", _Pii(account, ID), ":jobs"]),
    ]


def _look_alikes(f: _Fakes, lang: _Lang) -> list[Line]:
    """Values that look like PII and are not: the traps of the guidelines."""
    version = ".".join(str(f.rng.randint(0, 20)) for _ in range(4))  # four parts, like an IP
    return [
        lang.assign("version", [_Decoy(version, "version")]),
        lang.assign("archive_sha256", [_Decoy(f.fake.sha256(), "hash")]),
        lang.assign("request_id", [_Decoy(f.fake.uuid4(), "uuid")]),
        lang.assign("bind_address", [_Decoy("127.0.0.1", "loopback")]),
    ]  # fmt: skip


def _fake_secrets(f: _Fakes, lang: _Lang) -> list[Line]:
    return [
        lang.assign("smtp_password", [_Decoy("${SMTP_PASSWORD}", "template")]),
        lang.assign("maps_api_key", [_Decoy("your-api-key-here", "placeholder_key")]),
        lang.assign("host_key_algorithm",
                    [_Decoy("ssh-ed25519-cert-v01@openssh.com", "algorithm_id")]),
        lang.assign("run_as", [_Decoy("postgres", "system_account")]),
    ]  # fmt: skip


_BLOCKS: tuple[Callable[[_Fakes, _Lang], list[Line] | None], ...] = (
    _doc_comment, _placeholder_people, _real_contact, _github_credit, _home_dir, _ip_addresses,
    _passwords, _cloud_keys, _payments, _private_key, _contact_ids, _look_alikes, _fake_secrets,
)  # fmt: skip


def _filler(f: _Fakes, lang: _Lang) -> list[Line]:
    fn = f.word()
    text = f.rng.choice(lang.filler).format(
        fn=fn, Fn=fn.title(), arg=f.word(), field=f.word(), n=f.rng.randint(2, 99)
    )
    return [[line] for line in [*text.split("\n"), ""]]


# --- files -------------------------------------------------------------------------


def _file(f: _Fakes, index: int) -> SyntheticFile:
    lang = LANGUAGES[index % len(LANGUAGES)]
    license_name = f.rng.choice(_LICENSES)
    # Rotating one block by index guarantees every block shows up in a long enough run.
    blocks = [_BLOCKS[index % len(_BLOCKS)], *f.rng.sample(_BLOCKS, 5)]
    target = f.rng.randint(110, 230)
    w = _Writer()
    opening = [[lang.first]] if lang.first else []
    for line in [*opening, *_header(f, lang, license_name), [""], *([p] for p in lang.prologue)]:
        w.line(line)
    for block in dict.fromkeys(blocks):  # keep order, drop a repeated block
        for line in [*_filler(f, lang), *(block(f, lang) or []), [""]]:
            w.line(line)
    while w.line_count < target:
        for line in _filler(f, lang):
            w.line(line)
    for line in lang.epilogue:
        w.line([line])
    folder = f.rng.choice(["src", "lib", "app", "config", "scripts"])
    return SyntheticFile(
        path=f"{folder}/{f.word()}_{index:03d}.{lang.ext}",
        language=lang.name,
        content="".join(w.chunks),
        spans=tuple(w.spans),
        decoys=tuple(w.decoys),
        license=license_name,
        repository=f"synthetic/{f.word()}-{index:03d}",
    )


def generate_files(count: int, seed: int = 0) -> list[SyntheticFile]:
    """`count` files cycling through LANGUAGES; identical for identical arguments."""
    fakes = _Fakes(seed)
    return [_file(fakes, index) for index in range(count)]


# --- snippets ------------------------------------------------------------------------


def spans_in_window(
    spans: Iterable[TruthSpan], *, start: int, end: int, categories: Iterable[str] | None = None
) -> list[TruthSpan]:
    """Spans wholly inside [start, end), shifted to window offsets (snippet gold).

    Pass `categories` to keep only what a project labels.
    """
    keep = None if categories is None else set(categories)
    return [
        TruthSpan(s.start - start, s.end - start, s.category, s.context)
        for s in spans
        if start <= s.start and s.end <= end and (keep is None or s.category in keep)
    ]


def spans_cut_by_window(spans: Iterable[TruthSpan], *, start: int, end: int) -> list[TruthSpan]:
    """Spans that cross a window edge: a snippet holding part of one has no clean gold."""
    return [
        s
        for s in spans
        if s.start < end and s.end > start and not (start <= s.start and s.end <= end)
    ]
