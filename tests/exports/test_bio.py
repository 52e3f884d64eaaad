"""BIO tokens: they rebuild the text, and their labels rebuild the spans."""

import random

import pytest

from annotator.exports import bio, formats

TEXT = "# (c) Jane Roe\nconn = connect('db', user='jdoe85', password='pa55word')\n\tIP=10.0.0.7\n"


def _row(spans, text=TEXT) -> formats.SnippetRow:
    return formats.SnippetRow(
        task_id=3, snippet_id=44, dataset="d", source_file_id=1, path="a.py", language="Python",
        content_hash="0" * 64, start_line=1, line_count=3, start_offset=0, text=text,
        spans=tuple(spans),
    )  # fmt: skip


def _span(value, category, context="real", text=TEXT):
    start = text.index(value)
    return formats.FinalSpanRow(start, start + len(value), category, context, 0.9)


def parse(block: str, text: str) -> tuple[dict, list[tuple[str, int, int, str]]]:
    """Read one snippet block back: its comments, and (token, start, end, label) with the
    positions found the way a reader would, by walking the snippet's text."""
    comments, pairs = {}, []
    for line in block.splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(" = ")
            comments[key] = value
        elif line:
            token, label = line.split("\t")
            pairs.append((token, label))
    offsets = list(bio.token_offsets(text, [token for token, _ in pairs]))
    pieces = zip(pairs, offsets, strict=True)
    return comments, [(t, start, end, label) for (t, label), (start, end) in pieces]


def spans_from(tokens) -> list[tuple[int, int, str]]:
    spans: list[list] = []
    for _, start, end, label in tokens:
        if label.startswith("B-"):
            spans.append([start, end, label[2:]])
        elif label.startswith("I-"):
            assert spans and spans[-1][2] == label[2:], "I- without its B-"
            spans[-1][1] = end
    return [tuple(s) for s in spans]


def test_tokens_sit_at_their_offsets_and_cover_every_non_space_character():
    _, tokens = parse(bio.snippet_block(_row([])), TEXT)
    assert all(TEXT[start:end] == token for token, start, end, _ in tokens)
    covered = "".join(token for token, *_ in tokens)
    assert covered == "".join(TEXT.split())
    assert all(label == "O" for *_, label in tokens)


def test_labels_rebuild_the_spans_with_context_folded_in():
    spans = [
        _span("Jane Roe", "NAME", "license"),
        _span("jdoe85", "USERNAME"),
        _span("pa55word", "PASSWORD"),
        _span("10.0.0.7", "IP_ADDRESS"),
    ]
    comments, tokens = parse(bio.snippet_block(_row(spans)), TEXT)
    assert comments == {"snippet_id": "44", "task_id": "3", "path": "a.py", "start_line": "1"}
    expected = [(s.start, s.end, formats.folded_category(s.category, s.context)) for s in spans]
    assert spans_from(tokens) == expected
    labels = {token: label for token, _, _, label in tokens}
    assert labels["Jane"] == "B-NAME_LICENSE" and labels["Roe"] == "I-NAME_LICENSE"
    assert labels["conn"] == "O"


def test_a_span_inside_a_word_cuts_the_word_into_tokens():
    text = "token=sk_live_ABCDEF\n"
    span = formats.FinalSpanRow(text.index("ABC"), text.index("ABC") + 6, "KEY", "real", 1.0)
    _, tokens = parse(bio.snippet_block(_row([span], text=text)), text)
    assert [(t, label) for t, _, _, label in tokens] == [
        ("token", "O"), ("=", "O"), ("sk_live_", "O"), ("ABCDEF", "B-KEY"),
    ]  # fmt: skip


def test_a_hash_token_is_not_taken_for_a_comment():
    block = bio.snippet_block(_row([], text="# x\n"))
    assert block.splitlines()[-3:] == ["#\tO", "x\tO", ""]
    assert parse(block, "# x\n")[1][0] == ("#", 0, 1, "O")


def test_a_token_that_does_not_continue_the_text_is_caught():
    with pytest.raises(ValueError):
        list(bio.token_offsets("a = 1\n", ["a", "=", "2"]))


def test_snippets_are_separated_by_one_blank_line():
    text = "".join(bio.bio_chunks([_row([]), _row([], text="a = 1\n")]))
    blocks = text.split("\n\n")
    assert blocks[-1] == "" and len(blocks) == 3
    assert blocks[1].startswith("# snippet_id = 44")


@pytest.mark.parametrize("text", ["", "   \n\t\n", "über = 'Zoë'\n"])
def test_odd_texts_still_rebuild(text):
    _, tokens = parse(bio.snippet_block(_row([], text=text)), text)
    assert "".join(t for t, *_ in tokens) == "".join(text.split())


def test_the_fast_ascii_tokenizer_agrees_with_the_regex():
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(128)] + ["é", "ß", "\u00a0", "—"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert bio.split_tokens(text, start, end) == bio.TOKEN.findall(text, start, end), text
