"""License/placeholder/real classification of offsets (pure, no DB)."""

from annotator.detection.context import Scan, license_header_end, placeholder_domain


def test_leading_license_comment_is_the_header():
    text = "#!/usr/bin/env python\n# Copyright 2020 Ana Lima\n# MIT License\n\nimport os\n"
    end = license_header_end(text)
    assert text[:end].endswith("# MIT License\n")
    assert Scan(text).in_license(text.index("Ana")) is True
    assert Scan(text).in_license(text.index("import")) is False


def test_leading_comment_without_license_words_is_not_a_header():
    assert license_header_end("// Helpers for parsing dates.\nfunction parse() {}\n") == 0


def test_snippet_starting_inside_a_block_comment():
    text = " under the License.\n * limitations under the License.\n */\npackage x;\n"
    assert license_header_end(text) == text.index("package")


def test_attribution_lines_outside_the_header_are_license():
    text = 'import x\n\n__author__ = "Ana Lima"\nname = "Ana Lima"\n'
    scan = Scan(text)
    assert scan.in_license(text.index("Ana")) is True
    assert scan.in_license(text.rindex("Ana")) is False


def test_placeholder_domains():
    assert all(
        map(placeholder_domain, ["example.com", "mail.example.org", "foo.test", "localhost"])
    )
    assert not any(map(placeholder_domain, ["gmail.com", "examples.io", "contest.com"]))
