from django.urls import path

from laydown.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.home, name="index"),
    path("checkpoint", views.checkpoint, name="checkpoint"),
    path("tile/<path:path>", views.tile, name="tile"),
    path("proof/<int:index>", views.proof, name="proof"),
    path("consistency/<int:old>/<int:new>", views.consistency, name="consistency"),
    path("policy", views.policy, name="policy"),
    path("receipt", views.receipt, name="receipt"),
]
