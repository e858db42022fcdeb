from django.urls import path

from hearten.interventions import review_pages
from hearten.interventions import views as intervention_views
from hearten.process import deliverer_views
from hearten.process import views as process_views
from hearten.surveys import concerns, information, leaving
from hearten.surveys import staff_views as survey_staff_views
from hearten.surveys import views as survey_views
from hearten.web import council_sign_in, council_sign_out, responses, twofactor, upload_pages, views
from hearten.web.api import pages as api_pages
from hearten.web.api.v1 import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("sign-in/", council_sign_in.SignInView.as_view(), name="login"),
    path("sign-in/council/", council_sign_in.start, name="sign-in-council"),
    path("sign-in/council/callback/", council_sign_in.callback, name="sign-in-council-callback"),
    path("sign-in/code/", twofactor.enter_code, name="sign-in-code"),
    path("sign-out/", council_sign_out.sign_out, name="logout"),
    path("sign-out/done/", council_sign_out.signed_out, name="signed-out"),
    path("trials/", views.dashboard, name="dashboard"),
    path("trials/<slug:slug>/", views.trial_detail, name="trial-detail"),
    path("trials/<slug:slug>/report/", views.trial_report, name="trial-report"),
    path("trials/<slug:slug>/report.pdf", views.trial_report_pdf, name="trial-report-pdf"),
    path("programmes/<slug:name>/", views.programme_report, name="programme-report"),
    path(
        "programmes/<slug:name>/report.pdf",
        views.programme_report_pdf,
        name="programme-report-pdf",
    ),
    path("trials/<slug:slug>/delivery/", views.delivery, name="trial-delivery"),
    path("trials/<slug:slug>/delivery.csv", views.delivery_download, name="trial-delivery-csv"),
    path("trials/<slug:slug>/responses/", responses.responses, name="trial-responses"),
    path("trials/<slug:slug>/monitoring/", views.monitoring_page, name="trial-monitoring"),
    path("trials/<slug:slug>/uploads/", upload_pages.upload, name="trial-uploads"),
    path("trials/<slug:slug>/uptake/", views.uptake_page, name="trial-uptake"),
    path("trials/<slug:slug>/api-tokens/", api_pages.api_tokens, name="api-tokens"),
    path("trials/<slug:slug>/comments/", survey_staff_views.comments, name="trial-comments"),
    path(
        "trials/<slug:slug>/deliverer-survey/",
        deliverer_views.deliverer_survey,
        name="deliverer-survey",
    ),
    path("trials/<slug:slug>/interviews/", process_views.interviews, name="interviews"),
    path("trials/<slug:slug>/interviews/<str:name>/", process_views.interview, name="interview"),
    path("trials/<slug:slug>/letters/", intervention_views.letters, name="letters"),
    path("trials/<slug:slug>/letter-reviews/", review_pages.reviews, name="letter-reviews"),
    path("trials/<slug:slug>/letter-reviews/<int:pk>/", review_pages.review, name="letter-review"),
    path("trials/<slug:slug>/letters/<str:pseudonym>/", intervention_views.letter, name="letter"),
    path(
        "trials/<slug:slug>/letters/<str:pseudonym>/letter.pdf",
        intervention_views.letter_pdf,
        name="letter-pdf",
    ),
    path("g/<str:token>/", intervention_views.programme, name="programme"),
    path("g/<str:token>/leave/", intervention_views.leave_programme, name="programme-leave"),
    path("g/<str:token>/information/", intervention_views.information, name="programme-info"),
    path("g/<str:token>/privacy/", intervention_views.privacy, name="programme-privacy"),
    path(
        "g/<str:token>/leave-study/", intervention_views.leave_study, name="programme-leave-study"
    ),
    path("g/<str:token>/concern/", intervention_views.concern, name="programme-concern"),
    path(
        "g/<str:token>/stop-emails/", intervention_views.stop_emails, name="programme-stop-emails"
    ),
    path("g/<str:token>/<int:number>/", intervention_views.module, name="programme-module"),
    path("s/<str:token>/", survey_views.survey, name="survey"),
    path("s/<str:token>/done/", survey_views.done, name="survey-done"),
    path("s/<str:token>/information/", information.information, name="survey-information"),
    path("s/<str:token>/privacy/", information.privacy, name="survey-privacy"),
    path("s/<str:token>/leave-study/", leaving.leave, name="survey-leave"),
    path("s/<str:token>/stop-emails/", leaving.stop_emails, name="survey-stop-emails"),
    path("s/<str:token>/concern/", concerns.concern, name="survey-concern"),
    path("s/<str:token>/consent/", survey_views.consent_record, name="survey-consent-record"),
]

handler404 = "hearten.web.views.not_found"
