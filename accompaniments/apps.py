from django.apps import AppConfig


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Accompagnements"

    def ready(self):
        from .audit import register_models

        register_models()
