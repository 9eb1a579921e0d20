from django.urls import path

from laydown.setup import views

app_name = "setup"
urlpatterns = [
    path("", views.checklist, name="checklist"),
    path("workbook/", views.workbook_page, name="workbook"),
    path("workbook/template.xlsx", views.workbook_template, name="workbook_template"),
    path("workbook/jobs/<slug:job>/", views.workbook_job_page, name="workbook_job"),
    path("workbook/progress/<slug:job>.json", views.workbook_progress, name="workbook_progress"),
]
