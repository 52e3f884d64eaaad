"""python manage.py load_project FILE [--rename NEW_NAME]"""

import sys

from django.core.management.base import BaseCommand, CommandError

from annotator.core.exceptions import DomainError
from annotator.projects import backup


class Command(BaseCommand):
    help = (
        "Load a project written by dump_project, all in one transaction. Users are matched "
        "by username and created (without a usable password) when missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the dump ('-' reads standard input)")
        parser.add_argument("--rename", help="load under this project name")

    def handle(self, *args, **options) -> None:
        try:
            if options["file"] == "-":
                result = self._load(sys.stdin, options["rename"])
            else:
                with open(options["file"], encoding="utf-8") as stream:
                    result = self._load(stream, options["rename"])
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        total = sum(result.counts.values())
        self.stdout.write(
            f"Loaded project {result.project.name!r} (#{result.project.pk}): {total} rows; "
            f"{len(result.users_created)} users created."
        )

    def _load(self, stream, rename: str | None) -> backup.LoadResult:
        return backup.project_load(records=backup.records_read(stream), rename=rename)
