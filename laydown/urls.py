from django.urls import include, path

from laydown.api import api
from laydown.reports import views as reports_views

urlpatterns = [
    path("", reports_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("log/", include("laydown.ledger.urls")),
    path("accounts/", include("laydown.accounts.urls")),
    path("arms/", include("laydown.arms.urls")),
    path("verification/", include("laydown.verification.urls")),
    path("tracing/", include("laydown.tracing.urls")),
    path("assistance/", include("laydown.assistance.urls")),
    path("people/", include("laydown.people.urls")),
    path("reports/", include("laydown.reports.urls")),
    path("setup/", include("laydown.setup.urls")),
    path("field/", include("laydown.field.urls")),
    path("jobs/", include("laydown.jobs.urls")),
    path("openrosa/", include("laydown.openrosa.urls")),
    path("api/v1/", api.urls),
]

# Under /api/, Django's own error answers use the API's error shape too (core.api_errors).
handler400 = "laydown.core.api_errors.bad_request"
handler403 = "laydown.core.api_errors.permission_denied"
handler404 = "laydown.core.api_errors.page_not_found"
handler500 = "laydown.core.api_errors.server_error"
