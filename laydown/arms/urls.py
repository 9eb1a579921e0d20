from django.urls import path

from laydown.arms import views

app_name = "arms"
urlpatterns = [
    path("", views.sites, name="sites"),
    path("sites/<slug:code>/", views.site_detail, name="site"),
    path("sites/<slug:code>/items/new/", views.item_new, name="item_new"),
    path("sites/<slug:code>/lots/new/", views.lot_new, name="lot_new"),
    path("sites/<slug:code>/materiel/new/", views.materiel_new, name="materiel_new"),
    path("sites/<slug:code>/shipments/new/", views.shipment_new, name="shipment_new"),
    path("sites/<slug:code>/stock-checks/new/", views.stock_check_new, name="stock_check_new"),
    path("sites/<slug:code>/disposals/new/", views.disposal_new, name="disposal_new"),
    path("containers/<slug:code>/", views.container_detail, name="container"),
    path("containers/<slug:code>/seal/", views.container_seal, name="container_seal"),
    path("containers/<slug:code>/seal/break/", views.container_seal_break, name="seal_break"),
    path("items/", views.item_list, name="items"),
    path("items/<slug:tag>/", views.item_detail, name="item"),
    path("items/<slug:tag>/receipt/", views.item_receipt, name="item_receipt"),
    path("items/<slug:tag>/book/", views.item_book, name="item_book"),
    path("items/<slug:tag>/remove/", views.item_remove, name="item_remove"),
    path("items/<slug:tag>/return/", views.item_return, name="item_return"),
    path("items/<slug:tag>/lost/", views.item_lost, name="item_lost"),
    path("items/<slug:tag>/correct/", views.item_correct, name="item_correct"),
    path("lots/<slug:tag>/", views.lot_detail, name="lot"),
    path("lots/<slug:tag>/lost/", views.lot_lost, name="lot_lost"),
    path("lots/<slug:tag>/correct/", views.lot_correct, name="lot_correct"),
    path("materiel/<slug:tag>/", views.materiel_detail, name="materiel"),
    path("materiel/<slug:tag>/correct/", views.materiel_correct, name="materiel_correct"),
    path("shipments/<slug:code>/", views.shipment_detail, name="shipment"),
    path("shipments/<slug:code>/receive/", views.shipment_receive, name="shipment_receive"),
    path("stock-checks/<slug:code>/", views.stock_check_detail, name="stock_check"),
    path("stock-checks/<slug:code>/count/", views.stock_check_count, name="stock_check_count"),
    path("import/", views.import_items, name="import"),
    path("import/template.<slug:fmt>", views.import_template, name="import_template"),
    path("import/progress/<slug:job>.json", views.import_progress, name="import_progress"),
    path("import/jobs/<slug:job>/", views.import_job_page, name="import_job"),
]
