"""Print the current TOTP code of an account, for demos and browser tests.

    python manage.py totp_code coordination@demo.fr [--force]

Only the code goes to standard output (one line, six digits) so a script can read it; how long it
stays valid goes to standard error. Refused when DEBUG is off unless --force is given: on a real
server this would let whoever runs commands bypass the second factor.

Note that allauth accepts a given code only once per period for a user (it remembers used codes
in the cache): a test that logs the same user in twice within 30 seconds must wait for the next
code, e.g. `current_code(user, min_validity=...)` or a sleep of `seconds_left()`.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mediation.models import User


def seconds_left(now=None):
    """Seconds before the current TOTP code expires."""
    now = time.time() if now is None else now
    return app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD


def current_code(user, *, min_validity=0) -> str:
    """The code `user`'s TOTP authenticator shows right now, as six digits.

    With `min_validity`, wait for the next code when the current one expires sooner than that
    many seconds (a browser test then has time to type it). Raises ValueError when the user has
    no TOTP authenticator."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        raise ValueError(f"{user.email} n'a pas d'application d'authentification (TOTP) configurée.")
    totp = TOTP(authenticator)
    secret = decrypt(totp.instance.data["secret"])
    if min_validity and seconds_left() < min_validity:
        time.sleep(seconds_left() + 0.1)
    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


class Command(BaseCommand):
    help = "Affiche le code TOTP du moment d'un compte (développement et démonstration uniquement)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail du compte")
        parser.add_argument(
            "--force", action="store_true", help="passer outre le refus quand DEBUG est désactivé (tests navigateur)"
        )

    def handle(self, *args, email, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusé : cette commande contourne la double authentification et n'est permise "
                "qu'en développement (DEBUG activé). Ajoutez --force si vous savez ce que vous faites."
            )
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"Aucun compte avec l'adresse {email}.")
        try:
            code = current_code(user)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(code)
        self.stderr.write(f"Valable encore {seconds_left()} s.")
