"""The information sheet and privacy notice, one page each, reached from every participant page's
footer, the consent page and every e-mail; both print cleanly (the layout's print styles hide
the header and footer).

The privacy notice is written from the design's ``[privacy]`` section, covering what UK GDPR
Articles 13 and 14 require a controller to tell staff whose data it uses: who the controller
and its data protection officer are, the purposes and lawful basis, the Article 9 condition for
health data, which HR records are used and where they come from, who receives the data, how
long it is kept, the person's rights and the right to complain to the Information
Commissioner's Office.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from hearten.surveys.study import Study, frame
from hearten.surveys.visits import visit


def information_page(request: HttpRequest, study: Study, prefix: str, leave: bool) -> HttpResponse:
    """The study's information sheet (and where to get support)."""
    return render(request, "surveys/information.html", frame(study, prefix, leave=leave))


def privacy_page(request: HttpRequest, study: Study, prefix: str, leave: bool) -> HttpResponse:
    """The privacy notice generated from the design's ``[privacy]``."""
    return render(request, "surveys/privacy.html", frame(study, prefix, leave=leave))


@never_cache
def information(request: HttpRequest, token: str) -> HttpResponse:
    """The information sheet for a survey link."""
    v = visit(token)
    if v is None:
        return render(request, "surveys/unknown.html", status=404)
    return information_page(
        request, v.study, f"/s/{token}/", not v.withdrawn and not v.dead(timezone.now())
    )


@never_cache
def privacy(request: HttpRequest, token: str) -> HttpResponse:
    """The privacy notice for a survey link."""
    v = visit(token)
    if v is None:
        return render(request, "surveys/unknown.html", status=404)
    return privacy_page(
        request, v.study, f"/s/{token}/", not v.withdrawn and not v.dead(timezone.now())
    )
