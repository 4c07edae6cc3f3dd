from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partenaires"

    def ready(self):
        from mediation.imports.services import register

        from .audit import register_models
        from .imports import PARTNERS

        register_models()
        register(PARTNERS)  # one of the imports
