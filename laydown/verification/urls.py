from django.urls import path

from laydown.verification import setup_views, views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("witnesses/", setup_views.witnesses, name="witnesses"),
    path("witnesses/push/", setup_views.witnesses_push, name="witnesses_push"),
    path("accreditations/", setup_views.accreditations, name="accreditations"),
    path(
        "accreditations/<slug:code>/revoke/",
        setup_views.accreditation_revoke,
        name="accreditation_revoke",
    ),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<slug:code>/", views.inspection_detail, name="inspection"),
    path(
        "inspections/<slug:code>/findings/", views.inspection_findings, name="inspection_findings"
    ),
    path("inspections/<slug:code>/<slug:part>.txt", views.inspection_text, name="inspection_text"),
    path("destructions/<slug:code>/", views.destruction_detail, name="destruction"),
    path("items/<slug:tag>/bundle.json", views.item_bundle, name="item_bundle"),
]
