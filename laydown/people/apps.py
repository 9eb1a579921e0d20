from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "laydown.people"
    label = "people"
    verbose_name = "Demobilization and reintegration"

    def ready(self) -> None:
        from laydown.people import (  # noqa: F401  (register actions, kinds, import kinds)
            field_forms,
            import_job,
            permissions,
            records,
        )
        from laydown.people.services import vault_erased
        from laydown.vault.services import erasure_listen

        erasure_listen(vault_erased)  # the retention purge erases participants too
