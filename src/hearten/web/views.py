"""Staff pages: sign-in, the dashboard, the evaluator's trials and reports, and the staff
"not found" page. Every staff page uses the staff layout (``hearten/staff.html``) and its
trial menu (``hearten.web.navigation``)."""

from __future__ import annotations

from typing import cast

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from hearten.analysis.flow import participant_flow
from hearten.messaging.outbox import mail_status
from hearten.reports.render import report_path
from hearten.trials.models import Trial
from hearten.web.navigation import ROLE_NAMES, trial_links
from hearten.web.reports import Programme, embedded, programmes_for

#: Paths of the participants' personal links: their "not found" page speaks to them.
PARTICIPANT_PATHS = ("/s/", "/g/")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard" if request.user.is_authenticated else "login")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and ``hearten serve`` tests."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _user_id(request: HttpRequest) -> int:
    """The signed-in user's id (views that call this require sign-in)."""
    return cast(int, request.user.pk)


def _own_trial(request: HttpRequest, slug: str) -> Trial:
    """A trial the signed-in user evaluates; 404 otherwise (no hint that it exists)."""
    try:
        return Trial.objects.get(slug=slug, evaluators__id=_user_id(request))
    except Trial.DoesNotExist:
        raise Http404("no such trial") from None


def with_role(request: HttpRequest, slug: str, roles: tuple[str, ...]) -> tuple[Trial, str]:
    """The trial and the user's role in it; 404 (no hint that it exists) for other roles."""
    from hearten.trials.concealment import trial_for

    found = trial_for(request.user, slug, roles)
    if found is None:
        raise Http404("no such trial")
    return found


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The "not found" page: the participants' own on their personal links, the staff one
    (inside the staff layout, with a way back) everywhere else."""
    if request.path.startswith(PARTICIPANT_PATHS):
        return render(request, "404.html", status=404)
    return render(request, "hearten/staff_404.html", status=404)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each trial the user has a role in, with only the pages that role may open."""
    from hearten.trials.concealment import role_of

    uid = _user_id(request)
    trials = (
        (Trial.objects.filter(evaluators__id=uid) | Trial.objects.filter(roles__user_id=uid))
        .distinct()
        .order_by("name")
    )
    rows = []
    for trial in trials:
        role = role_of(request.user, trial)
        if role is not None:
            rows.append(
                {"trial": trial, "role": ROLE_NAMES[role], "links": trial_links(role, trial.slug)}
            )
    return render(
        request,
        "hearten/dashboard.html",
        {"rows": rows, "programmes": programmes_for(uid)},
    )


@login_required
def delivery(request: HttpRequest, slug: str) -> HttpResponse:
    """What a coordinator or letter writer may see of the allocation (``concealment``), with
    names; coordinators mark each delivery (``interventions.delivery``)."""
    from datetime import date

    from django.contrib import messages

    from hearten.errors import HeartenError
    from hearten.interventions.delivery import delivery_rows, mark_delivery
    from hearten.interventions.models import DeliveryStatus
    from hearten.trials.concealment import delivery_view

    trial, role = with_role(request, slug, ("evaluator", "coordinator", "letter-writer"))
    if request.method == "POST" and role == "coordinator":
        who = request.POST.get("pseudonym", "")
        try:
            on = date.fromisoformat(request.POST.get("on", ""))
        except ValueError:
            messages.error(request, "Enter the date as a date, for example 2026-12-01.")
        else:
            now = timezone.now()  # the page is the edge: the one reading of the clock
            try:
                mark_delivery(request.user, trial, who, request.POST.get("status", ""), on,
                              today=timezone.localdate(now), now=now)  # fmt: skip
                messages.success(request, f"Delivery recorded for {who}.")
            except HeartenError as exc:
                messages.error(request, str(exc))
        return redirect("trial-delivery", slug=slug)
    view = delivery_view(request.user, trial)
    return render(
        request,
        "hearten/delivery.html",
        {
            "trial": trial,
            "view": view,
            "rows": delivery_rows(request.user, trial) if role != "letter-writer" else [],
            "can_mark": role == "coordinator" and view.open,
            "statuses": DeliveryStatus.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def delivery_download(request: HttpRequest, slug: str) -> HttpResponse:
    """The delivery list as CSV, for coordinators and evaluators (audited)."""
    from hearten.interventions.delivery import delivery_csv

    trial, _ = with_role(request, slug, ("evaluator", "coordinator"))
    response = HttpResponse(
        delivery_csv(request.user, trial, now=timezone.now()), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{trial.slug}-delivery.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def trial_detail(request: HttpRequest, slug: str) -> HttpResponse:
    trial = _own_trial(request, slug)
    return render(
        request,
        "hearten/trial.html",
        {
            "trial": trial,
            "flow": participant_flow(trial),
            "has_report": report_path(trial).exists(),
            "mail": mail_status(trial.pk),
        },
    )


@login_required
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # typed for (request) views
def trial_report(request: HttpRequest, slug: str) -> HttpResponse:
    """The trial report inside the staff layout (``hearten.web.reports``)."""
    trial = _own_trial(request, slug)
    path = report_path(trial)
    if not path.exists():
        raise Http404("no report yet")
    return render(
        request,
        "hearten/report.html",
        {
            "trial": trial,
            "report": embedded(path),
            "pdf": path.with_suffix(".pdf").exists(),
        },
    )


def _programme(request: HttpRequest, name: str) -> Programme:
    for p in programmes_for(_user_id(request)):
        if p.slug == name:
            return p
    raise Http404("no such programme report")


@login_required
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # typed for (request) views
def programme_report(request: HttpRequest, name: str) -> HttpResponse:
    """A programme report, for evaluators of every trial it pools, inside the staff layout."""
    p = _programme(request, name)
    return render(
        request,
        "hearten/programme_report.html",
        {"programme": p, "report": embedded(p.path), "pdf": p.path.with_suffix(".pdf").exists()},
    )


@login_required
def programme_report_pdf(request: HttpRequest, name: str) -> FileResponse:
    """A programme report's PDF, as a download."""
    p = _programme(request, name)
    path = p.path.with_suffix(".pdf")
    if not path.exists():
        raise Http404("no PDF of this report")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"programme-{p.slug}-report.pdf",
        content_type="application/pdf",
    )


@login_required
def trial_report_pdf(request: HttpRequest, slug: str) -> FileResponse:
    """The report's PDF, for evaluators, as a download."""
    trial = _own_trial(request, slug)
    path = report_path(trial).with_suffix(".pdf")
    if not path.exists():
        raise Http404("no report yet")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{trial.slug}-report.pdf",
        content_type="application/pdf",
    )


@login_required
def uptake_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Uptake and fidelity for evaluators and coordinators (``interventions.uptake``)."""
    from hearten.interventions.uptake import uptake
    from hearten.process.deliverers import reported_times
    from hearten.trials.concealment import coordinator_site_ids

    trial, role = with_role(request, slug, ("evaluator", "coordinator"))
    if role == "coordinator" and trial.delivery_opened_at is None:
        return render(request, "hearten/uptake.html", {"trial": trial, "closed": True})
    u = uptake(trial, coordinator_site_ids(request.user, trial), reported_times(trial))
    return render(request, "hearten/uptake.html", {"trial": trial, "u": u})


@login_required
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # typed for (request) views
def monitoring_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The evaluator's monitoring page (``reports.monitoring``)."""
    from hearten.reports.monitoring import monitoring

    trial = _own_trial(request, slug)
    path = report_path(trial)
    return render(
        request,
        "hearten/monitoring.html",
        {
            "trial": trial,
            "m": monitoring(trial),
            "has_report": path.exists(),
            "has_pdf": path.with_suffix(".pdf").exists(),
        },
    )
