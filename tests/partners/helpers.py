"""The POST bodies of the partners' forms, as a browser would send them."""

import uuid

from mediation.enums import Vocabulary
from tests.accompaniments.factories import item


def referral_data(patient_commune, **overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "referrer_name": "Dr Claire Vandamme",
        "referrer_profession": "Médecin généraliste",
        "referrer_structure": "Cabinet médical des Moulins",
        "referrer_phone": "03 20 00 00 00",
        "referrer_email": "claire.vandamme@exemple.fr",
        "patient_last_name": "Zerbib",
        "patient_first_name": "Ophélie",
        "patient_phone": "06 12 34 56 78",
        "commune": f"{patient_commune.name} ({patient_commune.insee_code})",
        "reasons": [item(Vocabulary.REFERRAL_REASON, "rupture_de_soins").pk],
        "message": "Diabète non suivi depuis deux ans.",
        "patient_agreed": "on",
        "website": "",
    }
    data.update(overrides)
    return data
