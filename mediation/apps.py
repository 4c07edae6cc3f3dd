from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = "Socle : personnes, territoires, postes"

    def ready(self):
        from . import checks  # noqa: F401 (registers the deployment checks)
        from .audit import connect

        connect()
