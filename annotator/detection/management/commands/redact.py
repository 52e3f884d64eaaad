"""Replace PII in a JSONL, folder or archive with placeholders; resumable, optionally on Celery."""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.core.exceptions import DomainError
from annotator.detection import services
from annotator.detection.models import RedactionRun
from annotator.projects.models import Project


class Command(BaseCommand):
    help = (
        "Redact PII: names, emails, usernames, keys, passwords and ids become <NAME>, <EMAIL>, "
        "...; IPs become documentation addresses of the same family. Writes a report."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", type=Path, help=".jsonl, .zip, .tar.gz or a folder")
        parser.add_argument("--output", type=Path, help="a .jsonl for a JSONL input, else a folder")
        parser.add_argument("--labels", choices=RedactionRun.Labels.values, default="detector")
        parser.add_argument("--project", type=int, help="the project whose final labels to use")
        parser.add_argument("--keep", default="", help="contexts to keep: license,placeholder")
        parser.add_argument("--report", type=Path, help="default: <output>.report.json")
        parser.add_argument("--model", type=Path, help="a trained model added to the rules")
        parser.add_argument("--jobs", action="store_true", help="enqueue batches on Celery")
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="continue a stopped run")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            run = self._run(options)
            if options["jobs"]:
                batches = services.redaction_run_enqueue(run=run, batch_size=options["batch_size"])
                self.stdout.write(f"Run #{run.pk}: enqueued {len(batches)} batch job(s).")
                return
            started = time.perf_counter()
            run = services.redaction_run_execute(run=run, batch_size=options["batch_size"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self._summary(run, time.perf_counter() - started)

    def _run(self, options) -> RedactionRun:
        if options["resume"] is not None:
            run = RedactionRun.objects.filter(pk=options["resume"]).first()
            if run is None:
                raise CommandError(f"No redaction run #{options['resume']}.")
            return services.redaction_run_resume(run=run)
        if options["input"] is None or options["output"] is None:
            raise CommandError("--input and --output are required (or --resume RUN_ID).")
        project = None
        if options["project"] is not None:
            project = Project.objects.filter(pk=options["project"]).first()
            if project is None:
                raise CommandError(f"No project #{options['project']}.")
        if options["model"] is not None and not Path(options["model"]).is_file():
            raise CommandError(f"{options['model']}: no such model file.")
        return services.redaction_run_create(
            input_path=options["input"],
            output_path=options["output"],
            labels=options["labels"],
            project=project,
            keep=[k.strip() for k in options["keep"].split(",") if k.strip()],
            report_path=options["report"],
            model_path=options["model"],
        )

    def _summary(self, run: RedactionRun, seconds: float) -> None:
        report = run.report or {}
        megabytes = report.get("characters", 0) / 1e6
        self.stdout.write(json.dumps(report, indent=2))
        self.stdout.write(
            f"Run #{run.pk}: {report.get('files_processed', 0)} files redacted in {seconds:.1f} s "
            f"({megabytes / max(seconds, 1e-9):.2f} MB/s); report in {run.report_path}."
        )
