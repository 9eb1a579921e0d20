from django.urls import path

from laydown.reports import views

app_name = "reports"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("map/", views.site_map, name="map"),
    path("sitrep/", views.sitrep, name="sitrep"),
    path("transparency/", views.transparency, name="transparency"),
    path("export/<slug:dataset>.<slug:fmt>", views.export, name="export"),
]
