"""Minified files put a megabyte on one line: detection must stay linear (pure, no DB).

Each text below cost the old detector many seconds to minutes (a search over the whole
line per candidate). The bound is CPU time, generous enough that a loaded machine
cannot reach it when the work is linear (well under a second here).
"""

import time

import pytest

from annotator.detection import detect

ONE_MB = 1_000_000
CPU_BOUND_SECONDS = 5.0


def one_line(unit: str) -> str:
    return (unit * (ONE_MB // len(unit) + 1))[:ONE_MB]


@pytest.mark.parametrize(
    "text",
    [
        "// " + one_line("see @alice and @bob_smith then "),  # mentions after a comment
        one_line('{name:"widget",user:"jdoe",password:"x9",key:1},'),  # assignments
        one_line("Jo Li <jo@li.org>, "),  # candidates asking for their line's context
        one_line("1.2.3.4 10.0.0.1:80 +1 555 0100 (555) "),  # digit runs and phones
        one_line("a" * 50 + "@"),  # long runs before an "@"
    ],
    ids=["mentions", "assignments", "emails", "numbers", "at-signs"],
)
def test_a_one_megabyte_line_is_detected_in_linear_time(text):
    started = time.process_time()
    detect(text)
    assert time.process_time() - started < CPU_BOUND_SECONDS
