"""The pure line/segment/token cutter behind the labeling page (no database)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.labeling.rendering import (
    Mark,
    lexer_for,
    render_lines,
    split_lines,
    syntax_runs,
    token_class,
)

HOSTILE = (
    "x = '<script>alert(1)</script>'\r\n  </pre>\t{{ x }} &lt; {% now 'Y' %}\n"
    "access = 'user\u202e \u2066// admin\u2069 \u2066'\n\ufeff\x00\x0c\u2028end"
)
# One small program per language; lexers are looked up the way the page does it.
PROGRAMS = {
    "app.py": 'def f(x):\n\t"""doc"""\n    return x + 1  # done\n@dec\nclass A: pass\n',
    "index.js": "const a = `t ${b}`; // hi\nfunction f() { return /re/g.test('x'); }\n",
    "Main.java": "/** doc */\npublic class Main {\n\tint x = 0x1F;\n}\n",
    "main.go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
    "lib.c": '#include <stdio.h>\nint main(void) { printf("%d\\n", 1); }\n',
    "conf.yaml": "a: 1\nb:\n  - 'x'\n  # c\n",
    "page.php": "<?php\necho '<a href=\"mailto:x@y.z\">';\n?>\n<b>hi</b>\n",
    "run.sh": 'export A="$HOME"\nfor i in 1 2; do echo $i; done\n',
    "x.rb": "class A\n  def b; @c = 'd'; end\nend\n",
    "s.sql": "SELECT * FROM users WHERE email = 'a@b.c';\n",
    "d.json": '{"a": [1, 2.5, "x"], "b": null}\n',
    "page.html": '<!doctype html><script>alert(1)</script><p class="x">&amp;</p>\n',
    "Makefile": "all:\n\techo $(CC)\n",
    "notes.unknown-ext": "just text\twith tabs\n",
}


def joined(lines) -> str:
    return "".join(segment.text for line in lines for segment in line.segments)


def piece_texts(lines) -> list[tuple[str, str]]:
    return [(p.text, p.cls) for line in lines for s in line.segments for p in s.pieces]


def test_lines_carry_file_numbers_and_snippet_offsets():
    lines = render_lines("a = 1\n\tb = 2\n", [], start_line=51)
    assert [(line.number, line.offset) for line in lines] == [(51, 0), (52, 6)]
    assert lines[1].segments[0].text == "\tb = 2\n"


def test_joining_segments_gives_back_the_text_exactly():
    text = "x = '<script>alert(1)</script>'\n  </pre>\t{{ x }}\n\nlast"
    marks = [Mark(5, 13, "NAME", "real", 0), Mark(34, 40, "KEY", "real", 1)]
    assert joined(render_lines(text, marks)) == text


def test_a_mark_is_cut_at_line_breaks_and_only_its_ends_open_and_close_it():
    text = "-----BEGIN\nabc\n-----END\n"
    lines = render_lines(text, [Mark(0, 23, "KEY", "real", 0)])
    pieces = [
        (s.text, s.opens_mark, s.closes_mark) for line in lines for s in line.segments if s.mark
    ]
    assert pieces == [
        ("-----BEGIN\n", True, False),
        ("abc\n", False, False),
        ("-----END", False, True),
    ]
    assert lines[2].segments[-1].text == "\n" and lines[2].segments[-1].mark is None


def test_plain_and_marked_segments_alternate_within_a_line():
    lines = render_lines("user = 'jdoe' # jdoe\n", [Mark(8, 12, "USERNAME", "placeholder", 3)])
    segments = lines[0].segments
    assert [s.text for s in segments] == ["user = '", "jdoe", "' # jdoe\n"]
    assert segments[1].mark.index == 3 and segments[1].mark.context == "placeholder"


def test_only_lf_ends_a_line():
    # Form feeds and Unicode line separators are ordinary characters in code files.
    assert split_lines("a\x0cb\u2028c\nd") == [(0, "a\x0cb\u2028c\n"), (6, "d")]


def test_an_empty_snippet_still_has_one_line():
    lines = render_lines("", [], start_line=7, lexer=lexer_for("a.py"))
    assert len(lines) == 1 and lines[0].number == 7 and joined(lines) == ""


def test_marks_arrive_in_any_order():
    text = "ab cd ef\n"
    lines = render_lines(text, [Mark(6, 8, "ID", "real", 1), Mark(0, 2, "ID", "real", 0)])
    assert [s.text for s in lines[0].segments] == ["ab", " cd ", "ef", "\n"]


def test_python_keywords_strings_and_comments_get_their_classes():
    lines = render_lines("def f():\n    return 'x'  # c\n", [], lexer=lexer_for("a.py"))
    pieces = piece_texts(lines)
    assert ("def", "k") in pieces and ("'x'", "s") in pieces and ("# c", "c") in pieces
    assert ("f", "f") in pieces


def test_the_lexer_is_found_by_file_name_then_by_language():
    assert lexer_for("src/Main.java").name == "Java"
    assert lexer_for("noext", "Python").name == "Python"
    assert lexer_for("file.nothing-known", "no such language") is None


def test_a_token_cut_by_a_mark_keeps_its_class_on_both_sides():
    text = "s = 'jane.roe@corp.test'\n"
    start = text.index("jane")
    lines = render_lines(
        text, [Mark(start, start + 8, "EMAIL", "real", 0)], lexer=lexer_for("a.py")
    )
    marked = [s for s in lines[0].segments if s.mark]
    assert marked[0].text == "jane.roe" and {p.cls for p in marked[0].pieces} == {"s"}
    assert joined(lines) == text


def test_bidi_controls_become_their_own_pieces():
    text = "a = 'x\u202ey'\n"
    pieces = piece_texts(render_lines(text, [], lexer=lexer_for("a.py")))
    assert ("\u202e", "bidi") in pieces
    assert "".join(t for t, _ in pieces) == text


@pytest.mark.parametrize("path", sorted(PROGRAMS))
def test_every_language_gives_back_its_text_and_the_hostile_one(path):
    lexer = lexer_for(path)
    for text in (PROGRAMS[path], HOSTILE, PROGRAMS[path] + HOSTILE):
        marks = [Mark(2, 5, "NAME", "real", 0), Mark(9, 20, "KEY", "real", 1)]
        lines = render_lines(text, marks, lexer=lexer)
        assert joined(lines) == text
        assert "".join(line for _, line in split_lines(text)) == text


def test_a_lexer_that_loses_its_place_falls_back_to_plain_text():
    class Liar:
        def get_tokens_unprocessed(self, text):
            yield 0, None, text.upper()

    assert syntax_runs("abc", Liar()) == [(0, 3, "")]


def test_token_classes_are_few():
    from pygments.token import Keyword, Name, String

    assert token_class(Keyword.Constant) == "k"
    assert token_class(String.Double) == "s"
    assert token_class(Name.Variable) == ""


_ALPHABET = st.sampled_from(list("ab \t\n\r<>&'\"{}%/#\\\u202e\u2069é漢\x00\ufeff\u2028"))


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=_ALPHABET, max_size=60),
    path=st.sampled_from(sorted(PROGRAMS)),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=8),
)
def test_any_text_any_language_any_marks_round_trip(text, path, cuts):
    points = sorted({c for c in cuts if c <= len(text)})
    marks = [
        Mark(a, b, "ID", "real", i)
        for i, (a, b) in enumerate(zip(points[::2], points[1::2], strict=False))
        if a < b
    ]
    lines = render_lines(text, marks, lexer=lexer_for(path))
    assert joined(lines) == text
    # Every mark's pieces put together are exactly its text.
    for mark in marks:
        inside = "".join(s.text for line in lines for s in line.segments if s.mark == mark)
        assert inside == text[mark.start : mark.end]
