from django.urls import path

from laydown.assistance import views

app_name = "assistance"
urlpatterns = [
    path("", views.index, name="index"),
    path("distributions/", views.distribution_list, name="distributions"),
    path("distributions/new/", views.distribution_new, name="distribution_new"),
    path("distributions/<str:code>/", views.distribution_detail, name="distribution_detail"),
    path(
        "distributions/<str:code>/correct/",
        views.distribution_correct,
        name="distribution_correct",
    ),
    path(
        "distributions/<str:code>/receipt/",
        views.distribution_receipt,
        name="distribution_receipt",
    ),
    path(
        "distributions/<str:code>/recipients/",
        views.distribution_recipients,
        name="distribution_recipients",
    ),
    path(
        "distributions/<str:code>/notes/new/",
        views.monitoring_note_new,
        name="monitoring_note_new",
    ),
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<str:code>/", views.complaint_detail, name="complaint_detail"),
    path(
        "complaints/<str:code>/follow-up/",
        views.complaint_follow_up,
        name="complaint_follow_up",
    ),
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<str:code>/", views.household_detail, name="household_detail"),
    path(
        "households/<str:code>/personal-data/",
        views.household_personal_data,
        name="household_personal_data",
    ),
    path("import/", views.import_file, name="import"),
    path("import/jobs/<slug:job>/", views.import_job_page, name="import_job"),
    path("import/progress/<slug:job>.json", views.import_progress, name="import_progress"),
    path("export/5w.csv", views.export_csv, name="export_csv"),
    path("export/5w-hxl.csv", views.export_hxl, name="export_hxl"),
    path("export/5w.xlsx", views.export_xlsx, name="export_xlsx"),
    path("places/", views.place_list, name="places"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/<str:code>/edit/", views.partner_edit, name="partner_edit"),
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<str:code>/", views.project_detail, name="project_detail"),
    path("projects/<str:code>/edit/", views.project_edit, name="project_edit"),
    path("projects/<str:code>/progress/", views.project_progress, name="project_progress"),
    path("dialogue/", views.meeting_list, name="meetings"),
    path("dialogue/new/", views.meeting_new, name="meeting_new"),
    path("dialogue/<str:code>/", views.meeting_detail, name="meeting_detail"),
    path(
        "dialogue/<str:code>/commitments/new/",
        views.commitment_new,
        name="commitment_new",
    ),
    path("commitments/", views.commitment_list, name="commitments"),
    path(
        "commitments/<str:code>/follow-up/",
        views.commitment_follow_up,
        name="commitment_follow_up",
    ),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/<str:code>/", views.visit_detail, name="visit_detail"),
    path("visits/<str:code>/update/", views.visit_update, name="visit_update"),
]
