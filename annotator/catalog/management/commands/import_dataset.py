"""python manage.py import_dataset NAME PATH [--json] [--owner USERNAME]"""

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from annotator.catalog import importing, services
from annotator.catalog.models import Dataset
from annotator.core.exceptions import DomainError
from annotator.detection.preannotation import dataset_preannotate_start


class Command(BaseCommand):
    help = (
        "Import code from a .jsonl file, a .zip or .tar.gz archive, or a folder into a "
        "dataset (created if missing), cutting files into 50-line snippets. All or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="dataset name")
        parser.add_argument("path", help=".jsonl, .zip, .tar.gz/.tgz or a directory")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument("--owner", help="username of the owner (default: the only requester)")

    def handle(self, *args, **options) -> None:
        owner = self._owner(options["owner"])
        limits = services.import_limits()
        total = importing.count_records(options["path"], limits)
        bar = tqdm(total=total, unit="file", file=sys.stderr, disable=options["json"], leave=False)

        def report(done: int, _total: int | None) -> None:
            bar.update(done - bar.n)

        try:
            # Creating the dataset joins the import's transaction: a failed import
            # leaves no empty dataset behind.
            with transaction.atomic():
                dataset = self._dataset(owner, options["name"])
                summary = services.dataset_import(
                    dataset=dataset,
                    records=importing.iter_records(options["path"], limits),
                    on_progress=report,
                    total=total,
                )
                # Enqueued on commit: a failed import has nothing to pre-annotate.
                job = dataset_preannotate_start(dataset=dataset, owner=owner)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self._print(summary, dataset, as_json=options["json"])
        if not options["json"]:
            self.stdout.write(f"Pre-annotation: job #{job.pk}.")

    def _owner(self, username: str | None):
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named {username!r}.")
            return user
        role = Q(role__in=["requester", "admin"]) | Q(is_superuser=True)
        candidates = list(users.filter(role)[:2])
        if len(candidates) != 1:
            raise CommandError(
                "Cannot pick an owner: there is not exactly one requester or superuser. "
                "Pass --owner USERNAME."
            )
        return candidates[0]

    def _dataset(self, owner, name: str) -> Dataset:
        existing = Dataset.objects.filter(owner=owner, name=name).first()
        return existing or services.dataset_create(owner=owner, name=name)

    def _print(self, summary: importing.ImportSummary, dataset: Dataset, *, as_json: bool) -> None:
        data = summary.as_dict()
        if as_json:
            self.stdout.write(json.dumps({"dataset": dataset.name, **data}))
            return
        skipped = ", ".join(f"{k}: {v}" for k, v in data["files_skipped"].items() if v) or "none"
        megabytes = data["bytes"] / 1e6
        self.stdout.write(
            f"Imported {data['files_imported']} files ({megabytes:.1f} MB) into "
            f"{dataset.name!r}: {data['snippets_created']} snippets in {data['seconds']:.1f}s."
        )
        self.stdout.write(f"Skipped: {skipped}.")
        if data["decoding_replacements"]:
            self.stdout.write(f"Invalid UTF-8 replaced: {data['decoding_replacements']} times.")
