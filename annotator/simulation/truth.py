"""The known truth of each snippet, cut from the synthetic files (pure).

The API shows a snippet as (path, start_line, text); the driver finds the same characters
in the generated file and keeps the truth spans and decoys that fall inside, in snippet
offsets. A span cut by the snippet's edge (a key block across two snippets) keeps its
visible part: that is what a careful annotator can label there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from annotator.demo.synthetic import SyntheticFile, spans_cut_by_window
from annotator.quality.spans import LabeledSpan
from annotator.simulation.profiles import DecoySpan, SnippetTruth


def line_offset(content: str, line: int) -> int:
    """Character offset of the start of 1-based `line` in `content`."""
    offset = 0
    for _ in range(line - 1):
        offset = content.index("\n", offset) + 1
    return offset


def snippet_truth(
    file: SyntheticFile, *, start_line: int, text: str, categories: Iterable[str]
) -> SnippetTruth:
    """The truth of the snippet of `file` that starts at `start_line` and reads `text`."""
    start = line_offset(file.content, start_line)
    end = start + len(text)
    if file.content[start:end] != text:
        raise ValueError(f"{file.path}:{start_line} does not match the generated file.")
    keep = set(categories)
    spans = [
        LabeledSpan(max(s.start, start) - start, min(s.end, end) - start, s.category, s.context)
        for s in file.spans
        if s.start < end and s.end > start and s.category in keep
    ]
    decoys = [
        DecoySpan(d.start - start, d.end - start, d.kind)
        for d in file.decoys
        if start <= d.start and d.end <= end
    ]
    return SnippetTruth(text=text, spans=tuple(spans), decoys=tuple(decoys))


def is_clean(file: SyntheticFile, *, start_line: int, text: str) -> bool:
    """True when no PII span crosses the snippet's edges: only such snippets get gold."""
    start = line_offset(file.content, start_line)
    return not spans_cut_by_window(file.spans, start=start, end=start + len(text))


def gold_items(
    picks: Sequence[tuple[int, SnippetTruth]],
) -> list[dict]:
    """The control-tasks request body items for (snippet id, truth) pairs."""
    return [
        {
            "snippet": snippet_id,
            "spans": [
                {"start": s.start, "end": s.end, "category": s.category, "context": s.context}
                for s in truth.spans
            ],
            "explanation": "Gold from the synthetic generator's truth.",
        }
        for snippet_id, truth in picks
    ]
