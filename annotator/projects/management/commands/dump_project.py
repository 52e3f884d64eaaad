"""python manage.py dump_project NAME_OR_ID [-o FILE]"""

from django.core.management.base import BaseCommand, CommandError

from annotator.projects import backup
from annotator.projects.models import Project


class Command(BaseCommand):
    help = (
        "Write a whole project (dataset, tasks, answers, skills, ledger) as JSONL, one typed "
        "record a line; load it with load_project."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("project", help="project name or id")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        project = self._project(options["project"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                count = backup.project_dump_write(project=project, out=out)
            self.stderr.write(f"Wrote {count} records of {project.name!r} to {options['output']}.")
        else:
            backup.project_dump_write(project=project, out=self.stdout)

    def _project(self, key: str) -> Project:
        matches = Project.objects.filter(name=key)
        if key.isdigit():
            matches = matches | Project.objects.filter(pk=int(key))
        found = list(matches[:2])
        if len(found) != 1:
            raise CommandError(f"{len(found) or 'No'} projects match {key!r}; give the id.")
        return found[0]
