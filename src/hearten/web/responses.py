"""The response-rates page: each open wave's rates by site, team and arm through the
disclosure rules (``surveys.monitoring``), its teams sorted and filtered, teams below the
trial's target highlighted, the closing date and reminder schedule, and "send a reminder
now" (``surveys.reminders``). Coordinators see and remind their own sites only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone


@login_required
def responses(request: HttpRequest, slug: str) -> HttpResponse:
    """Response rates (module docstring); a POST sends a reminder now for one wave."""
    from hearten.errors import HeartenError
    from hearten.surveys.monitoring import Order, monitor, team_rows
    from hearten.surveys.reminders import remind_now, schedule_of
    from hearten.trials.concealment import coordinator_site_ids
    from hearten.trials.lifecycle import design_of
    from hearten.web.views import with_role

    trial, role = with_role(request, slug, ("evaluator", "coordinator"))
    sites = coordinator_site_ids(request.user, trial)
    if request.method == "POST":
        wave = trial.waves.filter(name=request.POST.get("wave", "")).first()
        if wave is None:
            messages.error(request, "Choose a survey to remind people about.")
        else:
            try:
                remind_now(request.user, wave, sites, timezone.now())
            except HeartenError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    f"A reminder about the {wave.name} survey is on its way to everyone in "
                    f"{'your sites' if sites is not None else 'the trial'} who has not answered.",
                )
        return redirect("trial-responses", slug=slug)
    try:
        order = Order(request.GET.get("sort", Order.TEAM))
    except ValueError:
        order = Order.TEAM
    design = design_of(trial)
    shown_sites = trial.sites.all() if sites is None else trial.sites.filter(id__in=sites)
    site_names = {s.code: s.name or s.code for s in shown_sites}
    site = request.GET.get("site", "")
    site = site if site in site_names else ""
    low_only = request.GET.get("low") == "1"
    names = {
        (t.site.code, t.code): (t.site.name or t.site.code, t.name or t.code)
        for t in trial.teams.select_related("site")
    }
    labels = dict(trial.arms.values_list("name", "label"))
    show_arms = role == "evaluator" or trial.delivery_opened_at is not None
    waves = []
    now = timezone.now()  # the page is the edge: one reading of the clock for every wave
    for w in trial.waves.exclude(opened_at=None):
        m = monitor(w, show_arms, sites)
        waves.append(
            {
                "m": m,
                "name": w.name,
                "schedule": schedule_of(w, sites, now),
                "sites": [(site_names.get(c.key, c.key), c) for c in m.sites],
                "teams": team_rows(m, names, design.monitoring.target, order, site, low_only),
                "arms": [(labels.get(c.key) or c.key, c) for c in m.arms or []],
            }
        )
    return render(
        request,
        "hearten/responses.html",
        {
            "trial": trial,
            "waves": waves,
            "target": design.monitoring.target,
            "orders": [
                (Order.TEAM, "Site and team"),
                (Order.LOWEST, "Lowest rate first"),
                (Order.HIGHEST, "Highest rate first"),
                (Order.LARGEST, "Largest team first"),
            ],
            "order": order,
            "site_choices": sorted(site_names.items(), key=lambda kv: kv[1].casefold()),
            "site": site,
            "low_only": low_only,
        },
    )
