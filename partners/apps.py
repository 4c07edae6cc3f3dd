from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partenaires"

    def ready(self):
        from accompaniments.personal_data import register_part
        from mediation.imports.services import register
        from mediation.operations import register_daily_job

        from .audit import register_models
        from .digest import DIGESTS
        from .imports import PARTNERS
        from .jobs import REFERRAL_REMINDERS
        from .personal_data import PARTNERS_PART

        register_models()
        register(PARTNERS)  # one of the imports
        register_part(PARTNERS_PART)  # a person's orientations and referrals, in the life of her data
        register_daily_job(REFERRAL_REMINDERS)  # pending referrals remind their post, then coordination
        register_daily_job(DIGESTS)  # the digest e-mails mediators chose (follow-ups due, referrals waiting)
