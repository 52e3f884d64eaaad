"""Score predicted PII spans against gold spans, per category."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.detection.evaluation import evaluate, format_table, spans_from_record


def _load(path: Path) -> dict:
    path = Path(path)  # call_command passes strings as given
    if not path.exists():
        raise CommandError(f"{path}: no such file.")
    records = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                records[record["id"]] = spans_from_record(record)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise CommandError(f"{path}:{number}: malformed record ({exc}).") from exc
    return records


class Command(BaseCommand):
    help = "Per-category precision/recall/F1 of predictions against gold, exact and overlap."

    def add_arguments(self, parser):
        parser.add_argument("--gold", required=True, type=Path)
        parser.add_argument("--pred", required=True, type=Path)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print JSON instead of a table"
        )

    def handle(self, *args, gold: Path, pred: Path, as_json: bool, **options):
        gold_spans, predicted = _load(gold), _load(pred)
        # Snippets missing from the predictions count as predicting nothing.
        results = evaluate((spans, predicted.get(key, [])) for key, spans in gold_spans.items())
        if as_json:
            payload = {
                mode: {category: score.as_dict() for category, score in rows.items()}
                for mode, rows in results.items()
            }
            self.stdout.write(_dumps(payload))
        else:
            self.stdout.write(format_table(results), ending="")


def _dumps(payload: dict) -> str:
    return json.dumps(payload, indent=2, sort_keys=True)
