"""The upload page (``hearten.web.uploads``) of evaluators and coordinators: upload a roster
or HR extract, see its first rows, the column each field comes from and every refused row,
then confirm or cancel. The file is held (0600) only until then, and expired files are swept
on every visit. A coordinator given sites uploads rows of those sites only
(``uploads.check``); one given none uploads nothing and is told to ask the evaluator for their
sites (not, as the read-only delivery and response pages, every site)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from hearten.errors import HeartenError
from hearten.web import uploads

SESSION_KEY = "hearten-upload"


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload, check, then confirm or cancel (module docstring)."""
    from hearten.web.views import with_role

    trial, _ = with_role(request, slug, ("evaluator", "coordinator"))
    uploads.sweep()
    sites = uploads.sites_of(request.user, trial)
    by = request.user.get_username()
    if sites is not None and not sites:
        pending = request.session.pop(SESSION_KEY, None)
        if pending is not None:
            uploads.discard(pending["token"])
        return render(
            request,
            "hearten/uploads.html",
            {"trial": trial, "no_sites": True, "kinds": [], "sites": []},
        )
    pending = request.session.get(SESSION_KEY)
    if pending is not None and pending.get("trial") != trial.slug:
        pending = None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in ("confirm", "cancel") and pending is not None:
        request.session.pop(SESSION_KEY, None)
        if action == "cancel":
            uploads.discard(pending["token"])
            messages.success(
                request, f"Nothing was imported from {pending['name']}; it is deleted."
            )
        else:
            try:
                done = uploads.confirm(
                    trial, pending["kind"], pending["token"], pending.get("mapping"), sites, by
                )
                messages.success(request, f"Imported from {pending['name']}: {done}")
            except HeartenError as exc:
                messages.error(request, f"Nothing was imported: {str(exc).splitlines()[0]}")
        return redirect("trial-uploads", slug=slug)
    if action == "map" and pending is not None:
        pending["mapping"] = {
            k.removeprefix("map-"): v for k, v in request.POST.items() if k.startswith("map-") and v
        }
        request.session[SESSION_KEY] = pending
        return redirect("trial-uploads", slug=slug)
    error = ""
    if action == "upload":
        kind = request.POST.get("kind", "")
        file = request.FILES.get("file")
        if kind not in dict(uploads.kinds()):
            error = "Choose what the file holds"
        elif file is None:
            error = "Choose a file to upload"
        else:
            try:
                token = uploads.hold(file.name or "", file.chunks())
            except HeartenError as exc:
                error = str(exc)
            else:
                if pending is not None:
                    uploads.discard(pending["token"])
                request.session[SESSION_KEY] = {
                    "trial": trial.slug, "kind": kind, "token": token, "name": file.name,
                }  # fmt: skip
                return redirect("trial-uploads", slug=slug)
    checked = None
    if pending is not None:
        try:
            checked = uploads.check(
                trial, pending["kind"], pending["token"], pending.get("mapping"), sites, by
            )
        except HeartenError as exc:
            request.session.pop(SESSION_KEY, None)
            pending = None
            error = str(exc)
    return render(
        request,
        "hearten/uploads.html",
        {
            "trial": trial,
            "kinds": uploads.kinds(),
            "pending": pending,
            "kind_label": dict(uploads.kinds()).get(pending["kind"], "") if pending else "",
            "checked": checked,
            "error": error,
            "keep_minutes": uploads.KEEP_FOR // 60,
            "sites": sorted(sites) if sites is not None else None,
        },
    )
