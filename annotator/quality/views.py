import csv
from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from annotator.accounts.decorators import requester_required
from annotator.quality import selectors
from annotator.quality.services import pay

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """csv.writer's file: hands each formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _safe(cell: object) -> object:
    # A spreadsheet would run a cell such as "=HYPERLINK(...)" as a formula.
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([_safe(cell) for cell in row])


@require_GET
@requester_required
def payouts_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Each annotator's earned, bonus, paid and balance in the requester's projects (cents)."""
    rows = selectors.payout_rows(requester=request.user)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="payouts.csv"'
    return response


@require_POST
@requester_required
def payouts_pay(request: HttpRequest) -> HttpResponse:
    """Record payouts of every open balance, then hand back the updated CSV."""
    paid = pay.payouts_record(requester=request.user)
    total = -sum(entry.amount_cents for entry in paid)
    messages.success(request, f"Recorded {len(paid)} payouts, {total / 100:.2f} in all.")
    return redirect("quality:payouts-csv")
