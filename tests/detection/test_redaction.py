"""The pure redaction core: placeholders, consistency, IP families, kept contexts."""

import ipaddress
import re

import pytest

from annotator.demo import synthetic
from annotator.detection.redaction import PLACEHOLDERS, Pseudonyms, redact_text
from annotator.detection.types import DetectedSpan

DOC_V4 = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
DOC_V6 = ipaddress.ip_network("2001:db8::/32")


def as_detected(spans):
    return [DetectedSpan(s.start, s.end, s.category, s.context) for s in spans]


def replacements(original: str, spans, redacted: str) -> list[str]:
    """What each span became, asserting that every character outside the spans survived."""
    pattern, position = [], 0
    for span in spans:
        pattern.append(re.escape(original[position : span.start]) + "(.+?)")
        position = span.end
    pattern.append(re.escape(original[position:]))
    match = re.fullmatch("".join(pattern), redacted, flags=re.DOTALL)
    assert match is not None, "text outside the spans changed"
    return list(match.groups())


def in_documentation_range(value: str, version: int) -> bool:
    address = ipaddress.ip_address(value)
    if address.version != version:
        return False
    return address in DOC_V6 if version == 6 else any(address in net for net in DOC_V4)


@pytest.fixture(scope="module")
def files():
    return synthetic.generate_files(20, seed=3)


def test_every_truth_span_is_replaced_and_nothing_else_changes(files):
    for file in files:
        redacted, counts = redact_text(file.content, as_detected(file.spans))
        got = replacements(file.content, file.spans, redacted)
        for span, replacement in zip(file.spans, got, strict=True):
            value = file.value(span)
            assert value not in redacted or len(value) < 6, f"{value!r} survived"
            if span.category == "IP_ADDRESS":
                version = ipaddress.ip_address(value).version
                assert in_documentation_range(replacement, version)
            else:
                assert replacement == PLACEHOLDERS[span.category]
        assert sum(counts.replaced.values()) == len(file.spans)


def test_the_same_value_gets_the_same_replacement_within_a_file(files):
    for file in files:
        redacted, _ = redact_text(file.content, as_detected(file.spans))
        by_value: dict[str, set[str]] = {}
        for span, got in zip(
            file.spans, replacements(file.content, file.spans, redacted), strict=True
        ):
            by_value.setdefault(file.value(span), set()).add(got)
        assert all(len(found) == 1 for found in by_value.values())
    repeated = [f for f in files if any(s.category == "PASSWORD" for s in f.spans)]
    assert repeated, "the synthetic set repeats a password in a DSN"


def test_distinct_addresses_get_distinct_replacements_and_keep_their_family():
    text = "a=10.0.0.1 b=10.0.0.2 c=10.0.0.1 d=fe80::1 e=2a00:1450::5 f=fe80::1"
    spans = [DetectedSpan(m.start(1), m.end(1), "IP_ADDRESS") for m in re.finditer(r"=(\S+)", text)]
    redacted, counts = redact_text(text, spans)
    values = re.findall(r"=(\S+)", redacted)
    assert values[0] == values[2] != values[1]
    assert values[3] == values[5] != values[4]
    assert all(in_documentation_range(v, 4) for v in values[:3])
    assert all(in_documentation_range(v, 6) for v in values[3:])
    assert counts.replaced == {"IP_ADDRESS": 6}


def test_more_addresses_than_the_first_range_holds_spill_into_the_next_ranges():
    pseudonyms = Pseudonyms()
    made = [pseudonyms.replacement(f"10.1.{i // 250}.{i % 250}", "IP_ADDRESS") for i in range(700)]
    assert len(set(made)) == 700
    assert {str(ipaddress.ip_network(f"{v}/24", strict=False)) for v in made} == {
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
    }
    assert not any(v.endswith((".0", ".255")) for v in made)


def test_a_new_file_starts_a_new_table():
    one, _ = redact_text("ip 10.9.9.9", [DetectedSpan(3, 11, "IP_ADDRESS")])
    two, _ = redact_text("ip 10.8.8.8", [DetectedSpan(3, 11, "IP_ADDRESS")])
    assert one == two == "ip 192.0.2.1"


def test_license_context_is_kept_when_asked(files):
    file = files[0]
    license_spans = [s for s in file.spans if s.context == "license"]
    assert license_spans
    redacted, counts = redact_text(
        file.content, as_detected(file.spans), keep=frozenset({"license"})
    )
    kept = [s for s in file.spans if s.context != "license"]
    got = replacements(file.content, kept, redacted)
    assert len(got) == len(kept)
    for span in license_spans:
        assert file.value(span) in redacted
    assert sum(counts.kept.values()) == len(license_spans)


def test_ambiguous_and_overlapping_spans_are_not_replaced_twice():
    text = "user jdoe pass hunter2"
    spans = [
        DetectedSpan(5, 9, "USERNAME"),
        DetectedSpan(5, 7, "NAME"),  # overlaps the username: dropped
        DetectedSpan(15, 22, "AMBIGUOUS"),
    ]
    redacted, counts = redact_text(text, spans)
    assert redacted == "user <USERNAME> pass hunter2"
    assert counts.replaced == {"USERNAME": 1}
    assert counts.kept == {"AMBIGUOUS": 1}
