from django.urls import path

from laydown.tracing import views

app_name = "tracing"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("tampered/", views.tampered, name="tampered"),
    path("items/<slug:tag>/markings/", views.item_markings, name="item_markings"),
    path("lots/<slug:tag>/markings/", views.lot_markings, name="lot_markings"),
    path("recoveries/<slug:tag>/", views.recovery, name="recovery"),
    path("vocabulary/", views.vocabulary, name="vocabulary"),
    path("vocabulary/decide/", views.vocabulary_decide, name="vocabulary_decide"),
    path("vocabulary/seed/", views.vocabulary_seed, name="vocabulary_seed"),
    path("vocabulary.json", views.vocabulary_json, name="vocabulary_json"),
    path("requests/", views.request_new, name="requests"),
    path("photos/<str:sha>", views.photo, name="photo"),
    path("import/", views.import_markings, name="import"),
    path("import/template.<slug:fmt>", views.import_template, name="import_template"),
    path("import/progress/<slug:job>.json", views.import_progress, name="import_progress"),
    path("import/jobs/<slug:job>/", views.import_job_page, name="import_job"),
]
