from django.core.management.base import BaseCommand

from annotator.demo import services

URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Seed the demo: accounts, a synthetic dataset, two projects and the quizzes."

    def handle(self, *args, **options) -> None:
        if services.demo_seed():
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("The demo is already seeded; nothing changed.")
        self.stdout.write(f"\nOpen {URL} and log in (password: {services.DEMO_PASSWORD}):")
        self.stdout.write(f"  {services.REQUESTER:<12} requester: datasets, projects, exports")
        for username in services.ANNOTATORS:
            self.stdout.write(f"  {username:<12} annotator: quizzes and labeling")
