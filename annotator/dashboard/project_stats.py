"""The numbers and charts of a project's dashboard page (reads only).

Every figure is one aggregate query, so the page costs the same for ten tasks or a
million. Validation estimates are read by their own fragment (`validation_figures`):
`quality.services.validation.validation_metrics` walks every decided task.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.aggregates import BoolAnd
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncHour
from django.utils import timezone

from annotator.accounts.models import User
from annotator.core import taxonomy
from annotator.dashboard import charts
from annotator.labeling.models import Assignment
from annotator.projects.models import Project, Task
from annotator.quality.models import ControlAnswer, LedgerEntry, Skill
from annotator.quality.selectors import project_hourly_pay
from annotator.quality.services.aggregation import project_agreement
from annotator.quality.services.validation import validation_metrics

RATE_WINDOW = timedelta(hours=24)  # the ETA assumes the pace of the last day goes on
SKILL_BINS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


@dataclass(frozen=True)
class Progress:
    total: int
    open: int
    complete: int
    final: int
    control: int
    accepted: int
    rejected: int
    remaining_answers: int  # answers still needed by ordinary tasks
    answers_per_hour: float | None  # over the last day (or since the first answer)
    eta_seconds: float | None

    @property
    def work_tasks(self) -> int:
        return self.total - self.control

    @property
    def done_fraction(self) -> float:
        done = self.complete + self.final
        return done / self.work_tasks if self.work_tasks else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.done_fraction)


def _task_counts(project: Project) -> dict:
    work = Q(is_control=False)
    target = Coalesce(F("target_overlap"), Value(project.overlap))
    missing = Greatest(target - F("submitted_count"), Value(0), output_field=IntegerField())
    return project.tasks.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=work & Q(status=Task.Status.OPEN)),
        complete=Count("pk", filter=work & Q(status=Task.Status.COMPLETE)),
        final=Count("pk", filter=work & Q(status=Task.Status.FINAL)),
        control=Count("pk", filter=Q(is_control=True)),
        accepted=Count("pk", filter=Q(validation=Task.Validation.ACCEPTED)),
        rejected=Count("pk", filter=Q(validation=Task.Validation.REJECTED)),
        remaining_answers=Coalesce(
            Sum(missing, filter=work & Q(status=Task.Status.OPEN)), Value(0)
        ),
    )


def hourly_answers(project: Project) -> list[tuple[datetime, int]]:
    """(hour, submitted answers) for every hour with answers, oldest first."""
    rows = (
        Assignment.objects.filter(task__project=project, status=Assignment.Status.SUBMITTED)
        .annotate(hour=TruncHour("submitted_at"))
        .values("hour")
        .annotate(n=Count("pk"))
        .order_by("hour")
    )
    return [(row["hour"], row["n"]) for row in rows]


def answer_rate(hours: list[tuple[datetime, int]], now: datetime) -> float | None:
    """Answers per hour over the last day, or since the first answer if that is later."""
    if not hours:
        return None
    since = max(hours[0][0], now - RATE_WINDOW)
    recent = sum(n for hour, n in hours if hour >= since - timedelta(hours=1))
    elapsed = max((now - since).total_seconds() / 3600, 1.0)
    return recent / elapsed if recent else None


def project_progress(project: Project, hours: list[tuple[datetime, int]]) -> Progress:
    counts = _task_counts(project)
    rate = answer_rate(hours, timezone.now())
    # Control tasks are served between ordinary ones: they slow the work down too.
    needed = counts["remaining_answers"] / max(1e-9, 1 - min(project.control_rate, 0.95))
    eta = needed / rate * 3600 if rate and needed else None
    return Progress(**counts, answers_per_hour=rate, eta_seconds=eta)


def throughput_figure(hours: list[tuple[datetime, int]]) -> charts.Figure:
    """Answers per day, or per hour for a project younger than three days."""
    title = "Throughput: answers submitted"
    if not hours:
        return charts.line_chart(title=title, series=[], y_label="answers")
    daily = hours[-1][0] - hours[0][0] > timedelta(days=3)
    step = timedelta(days=1) if daily else timedelta(hours=1)
    first = hours[0][0].replace(hour=0) if daily else hours[0][0]
    buckets: Counter = Counter()
    for hour, n in hours:
        buckets[int((hour - first) / step)] += n
    count = max(buckets) + 1
    every = max(1, count // 8)
    fmt = "%m-%d" if daily else "%d %H:00"
    ticks = [(i, (first + i * step).strftime(fmt)) for i in range(0, count, every)]
    series = charts.Series("answers", tuple((i, float(buckets[i])) for i in range(count)))
    return charts.line_chart(
        title=f"{title} per {'day' if daily else 'hour'}",
        series=[series], x_ticks=ticks, y_label="answers",
        x_label="day (UTC)" if daily else "hour (UTC)",
        fmt_x=lambda i: (first + int(i) * step).strftime(fmt),
    )  # fmt: skip


def agreement_figure(project: Project) -> tuple[charts.Figure, int]:
    state = project_agreement(project)
    cats = list(project.categories)
    figure = charts.bar_chart(
        title="Agreement per category",
        labels=[taxonomy.LOOKS[c].chip for c in cats],
        series=[
            ("span F1 (exact)", [state.span_f1(c, "exact") for c in cats]),
            ("span F1 (overlap)", [state.span_f1(c, "overlap") for c in cats]),
            ("Krippendorff's alpha", [state.alpha(c) for c in cats]),
        ],
        y_max=1.0, y_label="agreement",
    )  # fmt: skip
    return figure, state.tasks


def control_accuracies(project: Project) -> dict[int, float]:
    """annotator id -> share of their control tasks answered right in every category."""
    per_task = (
        ControlAnswer.objects.filter(project=project)
        .values("annotator_id", "assignment_id")
        .annotate(ok=BoolAnd("correct"))
        .order_by()
    )
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in per_task:
        tally[row["annotator_id"]][0] += row["ok"]
        tally[row["annotator_id"]][1] += 1
    return {annotator: ok / n for annotator, (ok, n) in tally.items()}


def control_figure(project: Project) -> charts.Figure:
    accuracies = [100 * a for a in control_accuracies(project).values()]
    return charts.histogram(
        title="Control accuracy of the project's annotators",
        values=accuracies, lo=0, hi=100, bins=10, x_label="control tasks right (%)",
    )  # fmt: skip


def skill_figure(project: Project) -> charts.Figure:
    bins: dict[str, list[int]] = {c: [0] * len(SKILL_BINS) for c in project.categories}
    rows = Skill.objects.filter(category__in=project.categories, opted_out=False)
    for category, value in rows.values_list("category", "value"):
        for i, (lo, hi) in enumerate(SKILL_BINS):
            if lo <= value <= hi:
                bins[category][i] += 1
    return charts.bar_chart(
        title="Skills of the crowd in this project's categories",
        labels=[f"{lo}\u2013{hi}" for lo, hi in SKILL_BINS],
        series=[(taxonomy.LOOKS[c].chip, counts) for c, counts in bins.items()],
        y_label="annotators", x_label="skill", fmt=charts.count_label,
        y_max=charts.count_ceiling(max((n for c in bins.values() for n in c), default=0)),
    )  # fmt: skip


def quiz_funnel() -> list[tuple[str, int]]:
    """Registered annotators, then how many passed every category up to each one in
    training order (a skill above 0: by exam or set by hand), then all seven."""
    registered = User.objects.filter(role=User.Role.ANNOTATOR).count()
    passed: dict[int, set[str]] = defaultdict(set)
    rows = Skill.objects.filter(value__gt=0, annotator__role=User.Role.ANNOTATOR)
    for annotator_id, category in rows.values_list("annotator_id", "category"):
        passed[annotator_id].add(category)
    steps = [("registered", registered)]
    for i, category in enumerate(taxonomy.TRAINING_ORDER):
        needed = set(taxonomy.TRAINING_ORDER[: i + 1])
        steps.append((taxonomy.LOOKS[category].chip, sum(needed <= s for s in passed.values())))
    steps.append(("all seven", steps[-1][1]))
    return steps


def funnel_figure() -> charts.Figure:
    steps = quiz_funnel()
    return charts.bar_chart(
        title="Quiz funnel: registered → passed each category in order → all seven",
        labels=[label for label, _ in steps], series=[("annotators", [n for _, n in steps])],
        y_label="annotators", fmt=charts.count_label, y_max=charts.count_ceiling(steps[0][1]),
    )  # fmt: skip


@dataclass(frozen=True)
class Cost:
    spent_cents: int
    rewards_cents: int
    bonus_cents: int
    paid_cents: int
    projected_cents: int  # spent plus the rewards of the answers still needed


def project_cost(project: Project, progress: Progress) -> Cost:
    K = LedgerEntry.Kind
    sums = LedgerEntry.objects.filter(project=project).aggregate(
        rewards=Coalesce(Sum("amount_cents", filter=Q(kind__in=[K.REWARD, K.ADJUSTMENT])), 0),
        bonus=Coalesce(Sum("amount_cents", filter=Q(kind=K.BONUS)), 0),
        paid=Coalesce(-Sum("amount_cents", filter=Q(kind=K.PAYOUT)), 0),
    )
    spent = sums["rewards"] + sums["bonus"]
    answers = progress.remaining_answers / max(1e-9, 1 - min(project.control_rate, 0.95))
    projected = spent + round(answers * project.reward_cents)
    return Cost(spent, sums["rewards"], sums["bonus"], sums["paid"], projected)


def project_page_context(project: Project) -> dict:
    hours = hourly_answers(project)
    progress = project_progress(project, hours)
    agreement, agreement_tasks = agreement_figure(project)
    return {
        "project": project,
        "progress": progress,
        "cost": project_cost(project, progress),
        "pay": project_hourly_pay(project=project),
        "figures": [
            throughput_figure(hours),
            agreement,
            control_figure(project),
            skill_figure(project),
            funnel_figure(),
        ],
        "agreement_tasks": agreement_tasks,
    }


def validation_figures(project: Project) -> dict:
    metrics = validation_metrics(project=project)
    figure = charts.bar_chart(
        title="Precision and recall estimated by validators",
        labels=[taxonomy.LOOKS[m.category].chip for m in metrics],
        series=[
            ("precision", [m.precision for m in metrics]),
            ("recall (upper bound)", [m.recall for m in metrics]),
        ],
        y_max=1.0,
    )
    return {"project": project, "metrics": metrics, "validation_figure": figure}
