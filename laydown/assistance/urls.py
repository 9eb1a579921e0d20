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
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<str:code>/", views.household_detail, name="household_detail"),
    path(
        "households/<str:code>/personal-data/",
        views.household_personal_data,
        name="household_personal_data",
    ),
    path("import/", views.import_file, name="import"),
    path("export/5w.csv", views.export_csv, name="export_csv"),
    path("export/5w-hxl.csv", views.export_hxl, name="export_hxl"),
    path("export/5w.xlsx", views.export_xlsx, name="export_xlsx"),
    path("places/", views.place_list, name="places"),
    path("partners/", views.partner_list, name="partners"),
    path("projects/", views.project_list, name="projects"),
    path("projects/<str:code>/", views.project_detail, name="project_detail"),
    path("dialogue/", views.meeting_list, name="meetings"),
    path("dialogue/<str:code>/", views.meeting_detail, name="meeting_detail"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/<str:code>/", views.visit_detail, name="visit_detail"),
]
