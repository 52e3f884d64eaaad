"""The rule detector with a trained model added (see `model.py`).

The model was trained with the rules' labels as features, so for the categories it
learned it has the last word: it keeps the rule hits it learned to trust and adds what the
rules miss. For categories its training labels did not cover (a project labels at most
four), the rules' spans are kept as they are.
"""

from annotator.detection import detect
from annotator.detection.model import DetectorModel
from annotator.detection.redaction import non_overlapping
from annotator.detection.types import DetectedSpan


def detect_combined(text: str, model: DetectorModel | None = None) -> list[DetectedSpan]:
    rules = detect(text)
    if model is None or not text:
        return rules
    learned = set(model.categories)
    spans = model.predict(text, rule_spans=rules)
    taken = [(s.start, s.end) for s in spans]
    for span in rules:
        if span.label not in learned and not any(span.start < e and s < span.end for s, e in taken):
            spans.append(span)
    return non_overlapping(spans)
