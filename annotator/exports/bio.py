"""Token-level BIO labels (CoNLL style) for training NER models on code. Pure Python.

Layout, one snippet after another, a blank line between snippets (tab-separated):

    # snippet_id = 812
    # task_id = 4410
    # path = src/app/settings.py
    # start_line = 51
    HOST<TAB>O
    =<TAB>O
    '<TAB>O
    10<TAB>B-IP_ADDRESS
    .<TAB>I-IP_ADDRESS
    ...

Two columns, the token and its label, as CoNLL NER readers expect. Comment lines start
with "# " (hash and space); a token never holds a space, so "#<TAB>O" is the token "#".

Tokens: runs of word characters, or any other single non-space character. Every
non-space character of the snippet is in exactly one token, in order, so positions need
no column: a token starts at the first non-space character after the previous token's
end (see `token_offsets`). Span boundaries also cut tokens, so every token lies wholly
inside or outside a span and the labels reproduce the spans exactly (a value that starts
inside a word still gets its own B- token), except for whitespace at a span's edges,
which has no token (half a key that ends with the snippet's last newline comes back
without that newline).

Labels fold the context into the category as BigCode did (`B-NAME_LICENSE`,
`I-EMAIL_EXAMPLE`, plain `B-NAME` for real values), so a model learns the three
contexts apart; a reader who wants plain categories strips the suffix.
"""

import re
from collections.abc import Iterable, Iterator, Sequence

from annotator.exports.formats import SnippetRow, folded_category

TOKEN = re.compile(r"\w+|[^\w\s]")
# The ASCII characters TOKEN makes one-character tokens of: neither word nor space.
ASCII_PUNCT = tuple(c for c in map(chr, range(128)) if not (c.isalnum() or c == "_" or c.isspace()))


def split_tokens(
    text: str, start: int = 0, end: int | None = None, punct: Sequence[str] = ASCII_PUNCT
) -> list[str]:
    """TOKEN.findall(text, start, end), 4x faster on ASCII (most code): padding each
    punctuation character with spaces and splitting on whitespace runs in C.

    `punct`: the punctuation to look for, when the caller knows which the text holds.
    """
    piece = text[start:end]
    if not piece.isascii():
        return TOKEN.findall(piece)
    for char in punct:
        if char in piece:
            piece = piece.replace(char, f" {char} ")
    return piece.split()


def _lines(text: str, start: int, end: int, label: str, punct: Sequence[str]) -> str:
    # Most of a snippet is O tokens: one join, no Python-level loop per token.
    found = split_tokens(text, start, end, punct)
    if not found:
        return ""
    if label == "O":
        return "\tO\n".join(found) + "\tO\n"
    inside = "".join(f"{token}\tI-{label}\n" for token in found[1:])
    return f"{found[0]}\tB-{label}\n{inside}"


def labeled_lines(row: SnippetRow) -> str:
    """The token lines of one snippet, spans cutting tokens."""
    text, cursor, parts = row.text, 0, []
    punct = [char for char in ASCII_PUNCT if char in text]  # once, not once per segment
    for span in row.sorted_spans():
        if span.start < cursor:  # overlapping spans are not stored; skip one defensively
            continue
        label = folded_category(span.category, span.context)
        parts.append(_lines(text, cursor, span.start, "O", punct))
        parts.append(_lines(text, span.start, span.end, label, punct))
        cursor = span.end
    parts.append(_lines(text, cursor, len(text), "O", punct))
    return "".join(parts)


def snippet_block(row: SnippetRow) -> str:
    head = (
        f"# snippet_id = {row.snippet_id}\n# task_id = {row.task_id}\n"
        f"# path = {_one_line(row.path)}\n# start_line = {row.start_line}\n"
    )
    return head + labeled_lines(row) + "\n"


def bio_chunks(rows: Iterable[SnippetRow]) -> Iterator[str]:
    for row in rows:
        yield snippet_block(row)


def token_offsets(text: str, tokens: Iterable[str]) -> Iterator[tuple[int, int]]:
    """Where each token of a block sits in the snippet text: for readers, and tests."""
    cursor = 0
    for token in tokens:
        while text[cursor].isspace():
            cursor += 1
        if not text.startswith(token, cursor):
            raise ValueError(f"token {token!r} does not continue the text at {cursor}")
        yield cursor, cursor + len(token)
        cursor += len(token)


def _one_line(value: str) -> str:
    # A newline in a path would end the comment line and corrupt the block.
    return value.replace("\n", " ").replace("\r", " ")
