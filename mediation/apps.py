from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = "Socle : personnes, territoires, postes"

    def ready(self):
        from .audit import connect

        connect()
