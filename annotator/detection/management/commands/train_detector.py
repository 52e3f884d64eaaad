"""Train the CRF detector on crowd labels and compare it with the rules on held-out labels."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.core.exceptions import DomainError
from annotator.detection import model, services
from annotator.projects.models import Project


class Command(BaseCommand):
    help = (
        "Train a token-classification model (CRF) from a project's final labels or a labeled "
        "JSONL, score it against the rules on a held-out split, save model and metrics."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--project", type=int, help="train on this project's final labels")
        source.add_argument(
            "--labels", type=Path, help='JSONL of {"text", "spans": [{start, end, category}]}'
        )
        parser.add_argument("--name", help="model name (default: project-<id> or the file name)")
        parser.add_argument("--output-dir", type=Path, help="default: MEDIA_ROOT/models")
        parser.add_argument("--test-share", type=float, default=0.25)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--max-iterations", type=int, default=100)
        parser.add_argument(
            "--evaluate-only", type=Path, metavar="MODEL", help="score a saved model instead"
        )

    def handle(self, *args, **options):
        examples, categories, default_name = self._examples(options)
        try:
            if options["evaluate_only"]:
                metrics = services.detector_compare(
                    model_=model.load(options["evaluate_only"]), examples=examples
                )
            else:
                path, metrics = services.detector_train(
                    examples=examples,
                    categories=categories,
                    name=options["name"] or default_name,
                    folder=options["output_dir"],
                    test_share=options["test_share"],
                    seed=options["seed"],
                    max_iterations=options["max_iterations"],
                )
                self.stdout.write(f"Saved {path}")
        except (DomainError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(metrics["f1_gain"], indent=2))
        self.stdout.write(self._verdict(metrics))

    def _examples(self, options):
        try:
            if options["labels"] is not None:
                examples, categories = services.examples_from_jsonl(options["labels"])
                return examples, categories, Path(options["labels"]).stem
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        project = Project.objects.filter(pk=options["project"]).first()
        if project is None:
            raise CommandError(f"No project #{options['project']}.")
        examples = services.project_training_examples(project=project)
        return examples, list(project.categories), f"project-{project.pk}"

    @staticmethod
    def _verdict(metrics: dict) -> str:
        rules = metrics["rules"]["exact"]["ALL"]["f1"]
        both = metrics["rules_and_model"]["exact"]["ALL"]["f1"]
        if both > rules:
            return f"Rules + model beat the rules alone: F1 {both:.3f} vs {rules:.3f} (exact)."
        return f"Rules + model fall short of the rules alone by {rules - both:.3f} F1 (exact)."
