from django.urls import path

from laydown.field import views

app_name = "field"
urlpatterns = [
    path("", views.index, name="index"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("app/<str:form>/", views.app_form, name="app_form"),
    path("outbox/", views.app_shell, {"page": "outbox"}, name="outbox"),
    path("enrol/", views.app_shell, {"page": "enrol"}, name="enrol"),
    path("devices/", views.devices, name="devices"),
    path("devices/<slug:device>/revoke/", views.device_revoke, name="device_revoke"),
    path("review/", views.review_list, name="review_list"),
    path("review/<str:sid>/", views.review_detail, name="review_detail"),
]
