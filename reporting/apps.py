from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Bilans"

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from mediation.imports.services import register

        from . import data_version
        from .imports import HISTORY
        from .models import AnnualBilan, BilanFigure, Campaign, Edition

        register(HISTORY)  # the historical annual bilans, one of the imports
        # The triggers that version the data the bilan reads (its cache keys), after every migrate.
        post_migrate.connect(data_version.on_post_migrate, sender=self)

        # Who changed a campaign or a bilan, and when (the workflow steps have their own BilanEvent log).
        untracked = ["version", "created_at", "updated_at"]
        auditlog.register(Campaign, m2m_fields=["departments"])
        auditlog.register(AnnualBilan, exclude_fields=untracked)
        auditlog.register(BilanFigure)
        # A publication (who, when, which version, why, the fingerprints); the files themselves are not copied.
        auditlog.register(Edition, exclude_fields=["json", "pdf", "xlsx", "public_json", "public_pdf", "public_csv"])
