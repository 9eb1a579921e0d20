from django.urls import URLPattern, path

from laydown.arms import site_views, views


def import_paths(root: str, name: str, found: views.ImportViews) -> list[URLPattern]:
    """A register's import page, its template, a job's progress and a job's page."""
    return [
        path(root, found.page, name=name),
        path(f"{root}template.<slug:fmt>", found.template, name=f"{name}_template"),
        path(f"{root}progress/<slug:job>.json", found.progress, name=f"{name}_progress"),
        path(f"{root}jobs/<slug:job>/", found.job, name=f"{name}_job"),
    ]


app_name = "arms"
urlpatterns = [
    path("", views.sites, name="sites"),
    path("sites/new/", site_views.site_new, name="site_new"),
    path("sites/<slug:code>/", views.site_detail, name="site"),
    path("sites/<slug:code>/edit/", site_views.site_edit, name="site_edit"),
    path("sites/<slug:code>/status/", site_views.site_status, name="site_status"),
    path("sites/<slug:code>/delete/", site_views.site_delete, name="site_delete"),
    path("sites/<slug:code>/people/", site_views.site_people, name="site_people"),
    path("sites/<slug:code>/containers/new/", site_views.container_new, name="container_new"),
    path("containers/<slug:code>/edit/", site_views.container_edit, name="container_edit"),
    path("containers/<slug:code>/status/", site_views.container_status, name="container_status"),
    path("containers/<slug:code>/delete/", site_views.container_delete, name="container_delete"),
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
    path("lots/", views.lot_list, name="lots"),
    *import_paths("lots/import/", "lot_import", views.LOTS_VIEWS),
    path("lots/<slug:tag>/", views.lot_detail, name="lot"),
    path("lots/<slug:tag>/lost/", views.lot_lost, name="lot_lost"),
    path("lots/<slug:tag>/correct/", views.lot_correct, name="lot_correct"),
    path("materiel/", views.materiel_list, name="materiel_list"),
    *import_paths("materiel/import/", "materiel_import", views.MATERIEL_VIEWS),
    path("materiel/<slug:tag>/", views.materiel_detail, name="materiel"),
    path("materiel/<slug:tag>/correct/", views.materiel_correct, name="materiel_correct"),
    path("shipments/", views.shipment_list, name="shipments"),
    path("shipments/<slug:code>/", views.shipment_detail, name="shipment"),
    path("shipments/<slug:code>/receive/", views.shipment_receive, name="shipment_receive"),
    path("stock-checks/", views.stock_check_list, name="stock_checks"),
    path("incidents/", views.incident_list, name="incidents"),
    path("stock-checks/<slug:code>/", views.stock_check_detail, name="stock_check"),
    path("stock-checks/<slug:code>/count/", views.stock_check_count, name="stock_check_count"),
    *import_paths("import/", "import", views.ITEMS_VIEWS),
]
