"""The trigram index of partial serial search (see laydown/arms/search_index.py): pg_trgm GIN
on PostgreSQL, an FTS5 trigram table kept by triggers on SQLite; nothing elsewhere."""

from typing import Any

from django.db import migrations

from laydown.arms import search_index


def forwards(apps: Any, schema_editor: Any) -> None:
    search_index.install(schema_editor)


def backwards(apps: Any, schema_editor: Any) -> None:
    search_index.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("arms", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
