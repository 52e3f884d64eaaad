"""Run a simulated crowd through the REST API against a project whose truth is known."""

import json
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annotator.simulation import sweep
from annotator.simulation.crowd import Limits
from annotator.simulation.profiles import crowd_parse
from annotator.simulation.report import report_text
from annotator.simulation.run import simulate_once
from annotator.simulation.scenario import ScenarioSpec, SetupError
from annotator.simulation.server import embedded_worker, local_server


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v.strip()]


class Command(BaseCommand):
    help = (
        "Simulate a crowd (accurate, careless, over-labelers, boundary-sloppy, spammers, "
        "too-fast clickers) on a synthetic project through the real API, and report "
        "label quality per aggregation method, bans, cost and agreement. --sweep runs a "
        "grid of overlap x control rate x crowd mix."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", help="Use a running server (sharing this database).")
        parser.add_argument("--crowd", default="mixed", help="A mix or profile=count,...")
        parser.add_argument("--files", type=int, default=8, help="Synthetic files to import.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--categories", default="NAME,EMAIL,USERNAME,IP_ADDRESS")
        parser.add_argument("--overlap", type=int, default=3)
        parser.add_argument("--control-rate", type=float, default=0.1)
        parser.add_argument("--reward-cents", type=int, default=5)
        parser.add_argument("--max-tasks", type=int, default=1000, help="Submissions, in all.")
        parser.add_argument("--max-seconds", type=float, default=120.0, help="Per run.")
        parser.add_argument("--time-scale", type=float, default=0.002,
                            help="Real seconds slept per simulated second of work.")  # fmt: skip
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start an embedded Celery worker.")  # fmt: skip
        parser.add_argument("--sweep", action="store_true")
        parser.add_argument("--sweep-overlaps", default="1,3,5")
        parser.add_argument("--sweep-rates", default="0,0.05,0.1,0.2")
        parser.add_argument("--sweep-mixes", default="mixed,spammy")
        parser.add_argument("--svg", help="Where the sweep writes its plot (SVG).")
        parser.add_argument("--markdown", help="Where the sweep writes its table.")

    def handle(self, *args, **options) -> None:
        try:
            spec = self._spec(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        limits = Limits(
            max_tasks=options["max_tasks"], max_seconds=options["max_seconds"],
            time_scale=options["time_scale"],
        )  # fmt: skip
        with ExitStack() as stack:
            url = options["url"] or stack.enter_context(local_server())
            if not options["no_worker"]:
                stack.enter_context(embedded_worker())
            try:
                if options["sweep"]:
                    self._sweep(url, spec, limits, options)
                else:
                    self._once(url, spec, limits, options)
            except SetupError as exc:
                raise CommandError(str(exc)) from exc

    def _spec(self, options) -> ScenarioSpec:
        return ScenarioSpec(
            crowd=tuple(crowd_parse(options["crowd"])),
            files=options["files"],
            seed=options["seed"],
            categories=tuple(c.strip() for c in options["categories"].split(",") if c.strip()),
            overlap=options["overlap"],
            control_rate=options["control_rate"],
            reward_cents=options["reward_cents"],
            label=timezone.now().strftime("%Y%m%d-%H%M%S"),
        )

    def _once(self, url, spec, limits, options) -> None:
        result = simulate_once(base_url=url, spec=spec, limits=limits, seed=options["seed"])
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=1, default=str))
            return
        run = result["run"]
        self.stdout.write(
            f"Project #{result['project']}: {run['submitted']} submissions in "
            f"{run['seconds']} s ({run['submissions_per_second']:.1f}/s), stopped by "
            f"{run['stopped_by']}; {run['conflicts']} conflicts, {len(run['errors'])} errors.\n"
        )
        self.stdout.write(report_text(result))

    def _sweep(self, url, spec, limits, options) -> None:
        mixes = [m.strip() for m in options["sweep_mixes"].split(",") if m.strip()]
        for mix in mixes:
            crowd_parse(mix)  # fail before the first run, not in the middle
        result = sweep.sweep_run(
            base_url=url, spec=spec, limits=limits, seed=options["seed"],
            overlaps=[int(v) for v in _floats(options["sweep_overlaps"])],
            rates=_floats(options["sweep_rates"]), mixes=mixes,
            progress=lambda line: self.stderr.write(line),
        )  # fmt: skip
        result["created_at"] = timezone.now().isoformat()
        # The dashboard lists MEDIA_ROOT/simulations/*.json (plot: the .svg beside it).
        json_path = Path(settings.MEDIA_ROOT) / "simulations" / f"{spec.label}.json"
        sweep.sweep_write(result, json_path=json_path, svg_path=json_path.with_suffix(".svg"))
        svg_path = Path(options["svg"]) if options["svg"] else None
        if svg_path is not None:
            svg_path.write_text(sweep.sweep_svg(result))
        table = sweep.sweep_table(result)
        if options["markdown"]:
            Path(options["markdown"]).write_text(table)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=1, default=str))
        else:
            self.stdout.write(table)
        self.stderr.write(f"Sweep saved to {json_path}" + (f" and {svg_path}" if svg_path else ""))
