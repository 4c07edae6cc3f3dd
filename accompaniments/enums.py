from django.db import models


class RequestDomain(models.TextChoices):
    RIGHTS = "rights", "Accès aux droits"
    CARE = "care", "Accès aux soins"


class RequestStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "En cours"
    RESOLVED = "resolved", "Résolue"
    UNRESOLVED = "unresolved", "Non résolue (abandon, refus)"


class ConsentMethod(models.TextChoices):
    ORAL = "oral", "Oral, noté par le·la médiateur·rice"
    WRITTEN = "written", "Écrit (formulaire signé)"
    REFERRAL = "referral", "Recueilli par le professionnel qui oriente"
