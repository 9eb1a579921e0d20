from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "laydown.assistance"
    label = "assistance"
    verbose_name = "Humanitarian assistance"

    def ready(self) -> None:
        # Register the actions in the permission matrix and the record kinds.
        import laydown.assistance.field_forms
        import laydown.assistance.import_job
        import laydown.assistance.permissions
        import laydown.assistance.records  # noqa: F401
        from laydown.assistance.services.receipts import receipt_photos_forget
        from laydown.vault.services import erasure_listen

        erasure_listen(receipt_photos_forget)
