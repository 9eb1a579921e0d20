from django.urls import path

from laydown.people import views

app_name = "people"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("register/", views.register, name="register"),
    path("import/", views.import_file, name="import"),
    path("import/jobs/<slug:job>/", views.import_job_page, name="import_job"),
    path("import/progress/<slug:job>.json", views.import_progress, name="import_progress"),
    path("rules/", views.rules, name="rules"),
    path("figures/", views.aggregates, name="aggregates"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("cut-off/", views.cut_off, name="cut_off"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/<str:code>/", views.cycle, name="cycle"),
    path("cycles/<str:code>/approve/", views.cycle_approve, name="cycle_approve"),
    path("refusals/", views.refusals, name="refusals"),
    path("appeals/<str:code>/decide/", views.appeal_decide, name="appeal_decide"),
    path("referrals/<str:code>/follow-up/", views.follow_up, name="follow_up"),
    path("<str:pseudonym>/", views.person, name="person"),
    path("<str:pseudonym>/screen/", views.screen, name="screen"),
    path("<str:pseudonym>/appeal/", views.appeal_lodge, name="appeal"),
    path("<str:pseudonym>/revoke/", views.revoke, name="revoke"),
    path("<str:pseudonym>/card/", views.card, name="card"),
    path("<str:pseudonym>/card/issue/", views.card_issue, name="card_issue"),
    path("<str:pseudonym>/certificate/", views.certificate, name="certificate"),
    path("<str:pseudonym>/access-report/", views.access_report, name="access_report"),
    path("<str:pseudonym>/correct/", views.correct, name="correct"),
    path("<str:pseudonym>/erase/", views.erase, name="erase"),
    path("<str:pseudonym>/refer/", views.refer, name="refer"),
]
