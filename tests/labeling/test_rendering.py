"""The pure line/segment cutter behind the labeling page (no database)."""

from annotator.labeling.rendering import Mark, render_lines, split_lines


def joined(lines) -> str:
    return "".join(segment.text for line in lines for segment in line.segments)


def test_lines_carry_file_numbers_and_snippet_offsets():
    lines = render_lines("a = 1\n\tb = 2\n", [], start_line=51)
    assert [(line.number, line.offset) for line in lines] == [(51, 0), (52, 6)]
    assert lines[1].segments[0].text == "\tb = 2\n"


def test_joining_segments_gives_back_the_text_exactly():
    text = "x = '<script>alert(1)</script>'\n  </pre>\t{{ x }}\n\nlast"
    marks = [Mark(5, 13, "NAME", "real", 0), Mark(34, 40, "KEY", "real", 1)]
    assert joined(render_lines(text, marks)) == text


def test_a_mark_is_cut_at_line_breaks_and_only_its_last_piece_closes_it():
    text = "-----BEGIN\nabc\n-----END\n"
    lines = render_lines(text, [Mark(0, 23, "KEY", "real", 0)])
    pieces = [(s.text, s.closes_mark) for line in lines for s in line.segments if s.mark]
    assert pieces == [("-----BEGIN\n", False), ("abc\n", False), ("-----END", True)]
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
    lines = render_lines("", [], start_line=7)
    assert len(lines) == 1 and lines[0].number == 7 and joined(lines) == ""


def test_marks_arrive_in_any_order():
    text = "ab cd ef\n"
    lines = render_lines(text, [Mark(6, 8, "ID", "real", 1), Mark(0, 2, "ID", "real", 0)])
    assert [s.text for s in lines[0].segments] == ["ab", " cd ", "ef", "\n"]
