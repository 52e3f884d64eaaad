"""What an export asks for: format, kind and filters, checked once for the API, the web
page and the export job alike. Pure Python."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from annotator.core.taxonomy import Category

FORMATS = ("jsonl", "bio", "bigcode", "files")
KINDS = ("raw", "aggregated")


@dataclass(frozen=True)
class Flavour:
    content_type: str
    extension: str
    description: str


FLAVOURS = {
    "jsonl": Flavour("application/x-ndjson", "jsonl", "JSON Lines, one snippet a line"),
    "bio": Flavour("text/plain; charset=utf-8", "conll", "token-level BIO labels (CoNLL style)"),
    "bigcode": Flavour("application/x-ndjson", "jsonl", "BigCode PII dataset layout"),
    "files": Flavour("application/x-ndjson", "jsonl", "whole-file spans, one file a line"),
}


class SpecError(ValueError):
    """A bad export request; `field` names the parameter at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ExportSpec:
    format: str = "jsonl"
    kind: str = "raw"
    categories: tuple[str, ...] = ()  # empty: every category
    min_confidence: float | None = None
    only_validated: bool = False

    @property
    def flavour(self) -> Flavour:
        return FLAVOURS[self.format]

    def filename(self, project_id: int) -> str:
        if self.format == "jsonl":
            return f"project-{project_id}-{self.kind}.jsonl"
        return f"project-{project_id}-{self.format}.{self.flavour.extension}"

    def filters(self) -> dict:
        data = asdict(self)
        return {k: data[k] for k in ("categories", "min_confidence", "only_validated")}

    def to_params(self) -> dict:
        """JSON-safe, for Job.params; `export_spec(**params)` reads it back."""
        return {"format": self.format, "kind": self.kind, **self.filters()}


def export_spec(
    *,
    format: str = "jsonl",
    kind: str = "raw",
    categories=(),
    min_confidence: float | None = None,
    only_validated: bool = False,
) -> ExportSpec:
    """Check the combination and return it, or raise SpecError."""
    if format not in FORMATS:
        raise SpecError("format", f"{format!r} is not a format: use one of {', '.join(FORMATS)}.")
    if kind not in KINDS:
        raise SpecError("kind", f"{kind!r} is not a kind: use aggregated or raw.")
    if kind == "raw" and format != "jsonl":
        raise SpecError("format", f"kind=raw exports come as jsonl only, not {format!r}.")
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        raise SpecError("categories", f"Unknown categories: {', '.join(map(str, unknown))}.")
    if min_confidence is not None:
        if kind == "raw":
            raise SpecError("min_confidence", "Raw annotations have no confidence.")
        if not 0 <= min_confidence <= 1:
            raise SpecError("min_confidence", "min_confidence lies between 0 and 1.")
    return ExportSpec(
        format=format,
        kind=kind,
        categories=tuple(sorted(set(categories))),
        min_confidence=min_confidence,
        only_validated=bool(only_validated),
    )


TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def spec_from_query(params: Mapping[str, str]) -> ExportSpec:
    """Parse query-string values: `categories=NAME,EMAIL&min_confidence=0.8&only_validated=true`.

    `categories` may also repeat (`categories=NAME&categories=EMAIL`, as checkboxes send).
    """
    getlist = getattr(params, "getlist", None)
    values = getlist("categories") if getlist else [params.get("categories") or ""]
    categories = [c.strip() for value in values for c in value.split(",") if c.strip()]
    confidence = params.get("min_confidence") or None
    if confidence is not None:
        try:
            confidence = float(confidence)
        except ValueError:
            raise SpecError("min_confidence", f"{confidence!r} is not a number.") from None
    validated = (params.get("only_validated") or "").lower()
    if validated not in TRUE | FALSE:
        raise SpecError("only_validated", f"{validated!r} is not true or false.")
    return export_spec(
        format=params.get("format") or "jsonl",
        kind=params.get("kind") or "raw",
        categories=categories,
        min_confidence=confidence,
        only_validated=validated in TRUE,
    )
