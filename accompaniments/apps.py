from django.apps import AppConfig


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Accompagnements"

    def ready(self):
        from mediation.imports.services import register

        from .audit import register_models
        from .imports import HISTORICAL_SHEETS

        register_models()
        register(HISTORICAL_SHEETS)  # one of the imports
