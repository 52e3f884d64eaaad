"""Export requests: what combinations are allowed, and how query strings read."""

import pytest
from django.http import QueryDict

from annotator.exports.spec import ExportSpec, SpecError, export_spec, spec_from_query


def test_the_default_is_the_raw_jsonl_export():
    assert spec_from_query({}) == ExportSpec(format="jsonl", kind="raw")


def test_a_full_query_reads_every_filter():
    spec = spec_from_query(
        QueryDict("format=bio&kind=aggregated&categories=NAME,EMAIL&min_confidence=0.8"
                  "&only_validated=true")
    )  # fmt: skip
    assert spec == ExportSpec("bio", "aggregated", ("EMAIL", "NAME"), 0.8, True)
    assert spec.filename(4) == "project-4-bio.conll"
    assert spec.flavour.content_type.startswith("text/plain")


def test_repeated_categories_read_like_a_comma_list():
    spec = spec_from_query(QueryDict("kind=aggregated&categories=NAME&categories=KEY"))
    assert spec.categories == ("KEY", "NAME")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"kind": "gold"}, "kind"),
        ({"format": "files", "kind": "raw"}, "format"),
        ({"kind": "aggregated", "categories": "NAME,PHONE"}, "categories"),
        ({"kind": "aggregated", "min_confidence": "high"}, "min_confidence"),
        ({"kind": "aggregated", "min_confidence": "1.5"}, "min_confidence"),
        ({"kind": "aggregated", "min_confidence": "nan"}, "min_confidence"),
        ({"kind": "raw", "min_confidence": "0.5"}, "min_confidence"),
        ({"only_validated": "maybe"}, "only_validated"),
    ],
)
def test_bad_requests_name_the_parameter_at_fault(query, field):
    with pytest.raises(SpecError) as caught:
        spec_from_query(query)
    assert caught.value.field == field


def test_a_spec_survives_the_round_trip_through_job_params():
    spec = export_spec(format="files", kind="aggregated", categories=["KEY"], min_confidence=0.5)
    assert export_spec(**spec.to_params()) == spec
