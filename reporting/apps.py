from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Bilans"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import AnnualBilan, BilanFigure, Campaign

        # Who changed a campaign or a bilan, and when (the workflow steps have their own BilanEvent log).
        untracked = ["version", "created_at", "updated_at"]
        auditlog.register(Campaign, m2m_fields=["departments"])
        auditlog.register(AnnualBilan, exclude_fields=untracked)
        auditlog.register(BilanFigure)
