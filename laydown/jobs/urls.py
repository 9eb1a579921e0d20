from django.urls import path

from laydown.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:job>/download", views.export_download, name="export_download"),
]
