"""The HTTP API under /api/v1/ (django-ninja), OpenAPI at /api/v1/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="Laydown API", version="1", urls_namespace="api")
