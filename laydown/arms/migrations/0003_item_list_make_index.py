"""PostgreSQL: the item list filtered by site, status and make (`make__iexact`, which Django
writes as UPPER("make"::text) = UPPER(%s)) read in tag order from one index, instead of sorting
every item of the site. SQLite compares make with LIKE and walks (site, status, tag) instead."""

from typing import Any

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS arms_item_site_status_make ON arms_item "
    "(site_id, status, UPPER(make::text), tag)"
)


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS arms_item_site_status_make")


class Migration(migrations.Migration):
    dependencies = [("arms", "0002_serial_trigram_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
