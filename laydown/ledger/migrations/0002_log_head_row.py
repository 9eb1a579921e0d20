"""Insert the single log-head row of an empty log (size 0, root = SHA-256 of nothing)."""

from django.db import migrations

EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def create_head(apps, schema_editor):
    LogHead = apps.get_model("ledger", "LogHead")
    LogHead.objects.get_or_create(id=1, defaults={"size": 0, "root": EMPTY_ROOT})


def delete_head(apps, schema_editor):
    apps.get_model("ledger", "LogHead").objects.filter(id=1, size=0).delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create_head, delete_head)]
