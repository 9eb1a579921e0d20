import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laydown.settings")
django_application = get_wsgi_application()

# The public log's proofs, checkpoint and tiles are answered before Django's handler
# (laydown.ops.front), and so are token calls of the registrations (laydown.ops.api_fast); other
# API calls with a token go through a shorter chain of middleware (laydown.ops.api_front).
from laydown.ops.api_fast import RegistrationFront  # noqa: E402 - needs the settings set up above
from laydown.ops.api_front import TokenApiFront  # noqa: E402
from laydown.ops.front import PublicLogFront  # noqa: E402

application = PublicLogFront(RegistrationFront(TokenApiFront(django_application)))
