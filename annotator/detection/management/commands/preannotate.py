"""python manage.py preannotate DATASET_ID [--model PATH] [--json]"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.catalog.models import Dataset
from annotator.core.exceptions import DomainError
from annotator.detection import preannotation


class Command(BaseCommand):
    help = (
        "Run the detector over a dataset and store its spans as suggestions for the labeling "
        "page, replacing the dataset's earlier suggestions from the same source. In-process."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dataset_id", type=int)
        parser.add_argument("--model", type=Path, help="a trained detector added to the rules")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, dataset_id: int, model: Path | None, **options) -> None:
        dataset = Dataset.objects.filter(pk=dataset_id).first()
        if dataset is None:
            raise CommandError(f"No dataset #{dataset_id}.")
        bar = tqdm(unit="snippet", file=sys.stderr, disable=options["json"], leave=False)

        def report(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            summary = preannotation.dataset_preannotate(
                dataset=dataset,
                model=preannotation.model_load(str(model or "")),
                source=preannotation.source_name(model),
                on_progress=report,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        data = {"dataset_id": dataset.pk, **summary.as_dict()}
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(
            f"Pre-annotated {summary.snippets} snippets of {dataset.name!r} "
            f"({summary.files} files) in {summary.seconds:.1f}s: {summary.suggestions} "
            f"suggestions from {summary.source!r}, {summary.snippets_per_second:.0f} snippets/s."
        )
