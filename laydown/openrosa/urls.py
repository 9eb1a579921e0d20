"""/openrosa: the server URL of ODK Collect and KoBoCollect (laydown.openrosa.views)."""

from django.urls import path

from laydown.openrosa import views

app_name = "openrosa"
urlpatterns = [
    path("formList", views.form_list, name="form_list"),
    path("forms/<str:form>/form.xml", views.form_download, name="form_download"),
    path("forms/<str:form>/manifest", views.form_manifest, name="form_manifest"),
    path("forms/<str:form>/media/<str:name>", views.form_media, name="form_media"),
    path("submission", views.submission, name="submission"),
]
