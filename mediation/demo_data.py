"""Reference data for the Hauts-de-France demo (`python manage.py seed_demo`).

Communes carry their real INSEE codes (code officiel géographique). The QPV have plausible names
taken from the quartiers of these communes, but their codes are illustrative: they follow the
format of the 2024 generation (QN + department on three digits + number + M) without claiming to
be the official ones. Structures and people are fictional.

Natural keys, used by the command to stay idempotent: commune INSEE code, QPV code, structure
name, post code, user e-mail.
"""

import datetime
import unicodedata
from dataclasses import dataclass, field

from .enums import Funding, PostType, Role, StructureKind

DEMO_PASSWORD = "demo-mediation-2025"

# One fixed base32 TOTP secret shared by every demo account that must use a second factor, so a
# single entry in an authenticator app (FreeOTP, Aegis, Google Authenticator...) serves them all.
# `python manage.py totp_code EMAIL` prints the current code without any app.
DEMO_TOTP_SECRET = "DEMOMEDIATIONSANTEHAUTSDEFRANCE2"

REGION_CODE = "32"  # Hauts-de-France, created by migration 0002

# (INSEE code, name); the department is the first two digits of the code.
COMMUNES = [
    # Aisne
    ("02691", "Saint-Quentin"),
    ("02722", "Soissons"),
    ("02408", "Laon"),
    ("02173", "Chauny"),
    ("02789", "Vervins"),
    ("02361", "Guise"),
    ("02381", "Hirson"),
    ("02141", "La Capelle"),
    ("02558", "Le Nouvion-en-Thiérache"),
    # Nord
    ("59350", "Lille"),
    ("59512", "Roubaix"),
    ("59599", "Tourcoing"),
    ("59163", "Croix"),
    ("59650", "Wattrelos"),
    ("59392", "Maubeuge"),
    ("59291", "Hautmont"),
    ("59606", "Valenciennes"),
    ("59014", "Anzin"),
    ("59172", "Denain"),
    ("59183", "Dunkerque"),
    ("59271", "Grande-Synthe"),
    ("59178", "Douai"),
    ("59249", "Fourmies"),
    ("59601", "Trélon"),
    ("59012", "Anor"),
    ("59525", "Sains-du-Nord"),
    ("59036", "Avesnes-sur-Helpe"),
    # Oise
    ("60175", "Creil"),
    ("60414", "Montataire"),
    ("60057", "Beauvais"),
    ("60159", "Compiègne"),
    ("60286", "Grandvilliers"),
    # Pas-de-Calais
    ("62498", "Lens"),
    ("62510", "Liévin"),
    ("62065", "Avion"),
    ("62193", "Calais"),
    ("62160", "Boulogne-sur-Mer"),
    ("62643", "Outreau"),
    ("62041", "Arras"),
    ("62447", "Hesdin-la-Forêt"),
    ("62060", "Auxi-le-Château"),
    ("62364", "Fruges"),
    ("62588", "Montreuil-sur-Mer"),
    # Somme
    ("80021", "Amiens"),
    ("80001", "Abbeville"),
    ("80368", "Friville-Escarbotin"),
    ("80308", "Feuquières-en-Vimeu"),
    ("80373", "Gamaches"),
    ("80721", "Saint-Valery-sur-Somme"),
]

# (code, name, INSEE codes of the communes it spans); the department is read from the code.
QPVS = [
    ("QN05901M", "Lille Sud", ["59350"]),
    ("QN05902M", "Moulins", ["59350"]),
    ("QN05903M", "Pile - Sainte-Élisabeth - Trichon", ["59512"]),
    ("QN05904M", "Blanc Seau - Croix Bas Saint-Pierre", ["59512", "59599", "59163"]),
    ("QN05905M", "Sous-le-Bois - Rue d'Hautmont", ["59392", "59291"]),
    ("QN05906M", "Chasse Royale - Dutemple - Saint-Waast", ["59606", "59014"]),
    ("QN05907M", "Denain Centre - Faubourg Duchâteau", ["59172"]),
    ("QN05908M", "Europe - Albeck", ["59271"]),
    ("QN05909M", "Île Jeanty - Basse Ville", ["59183"]),
    ("QN06201M", "Grande Résidence", ["62498"]),
    ("QN06202M", "Calonne - Marichelles", ["62510", "62065"]),
    ("QN06203M", "Beau Marais", ["62193"]),
    ("QN06204M", "Transition - Chemin Vert", ["62160", "62643"]),
    ("QN00201M", "Europe", ["02691"]),
    ("QN00202M", "Presles - Chevreux", ["02722"]),
    ("QN06001M", "Les Hauts de Creil", ["60175", "60414"]),
    ("QN08001M", "Amiens Nord", ["80021"]),
    ("QN08002M", "Soleil Levant - Platanes", ["80001"]),
]

# (name, kind, INSEE code of its commune)
STRUCTURES = [
    ("Centre social Lille Sud", StructureKind.SOCIAL_CENTRE, "59350"),
    ("CCAS de Roubaix", StructureKind.CCAS, "59512"),
    ("Association Sambre-Avesnois Santé", StructureKind.ASSOCIATION, "59392"),
    ("CPTS du Valenciennois", StructureKind.CPTS, "59606"),
    ("Association Dunkerque Santé Solidarité", StructureKind.ASSOCIATION, "59183"),
    ("CPTS Lens-Liévin", StructureKind.CPTS, "62498"),
    ("Association Côte d'Opale Santé", StructureKind.ASSOCIATION, "62160"),
    ("CCAS de Saint-Quentin", StructureKind.CCAS, "02691"),
    ("Maison de santé de Thiérache", StructureKind.HEALTH_CENTRE, "02789"),
    ("Association Somme Santé Médiation", StructureKind.ASSOCIATION, "80021"),
    ("Centre social des Hauts de Creil", StructureKind.SOCIAL_CENTRE, "60175"),
]


def demo_email(first_name, last_name):
    """prenom.nom@demo.fr, without accents, spaces or apostrophes."""
    raw = f"{first_name}.{last_name}".lower().replace(" ", "-").replace("'", "")
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    return f"{ascii_only}@demo.fr"


@dataclass(frozen=True)
class Holder:
    """A mediator holding a post from `start` (to `end` when they left)."""

    first_name: str
    last_name: str
    start: datetime.date
    end: datetime.date | None = None
    email: str = ""

    def __post_init__(self):
        if not self.email:
            object.__setattr__(self, "email", demo_email(self.first_name, self.last_name))


@dataclass(frozen=True)
class DemoPost:
    code: str
    structure: str
    post_type: str
    funding: str
    start: datetime.date
    communes: list = field(default_factory=list)
    qpvs: list = field(default_factory=list)
    holders: list = field(default_factory=list)  # in order; an empty list is a vacant post

    @property
    def department(self):
        return self.code.split("-")[1]


D = datetime.date
QPV, RURAL = PostType.QPV, PostType.RURAL
BOTH, ARS, PREF = Funding.ARS_PREFECTURE, Funding.ARS, Funding.PREFECTURE

# The dates of the table below are written for a demo year of TABLE_YEAR; `posts(year)` moves them
# by whole years, so that the register, the holders and the « first steps » keep the same shape
# whatever the demo year is (posts opened one to four years before it, handovers in between).
TABLE_YEAR = 2025

# Twenty posts split roughly as the real 58 (Nord 29, Pas-de-Calais 17, Aisne 6, Somme 4, Oise 2):
# four rural, two vacant (one never filled, one whose holder left), three handed over to a successor.
# DemoPost(code, structure, post type, funding, start, communes, QPV, holders)
# fmt: off
_POST_TABLE = [
    # Nord
    DemoPost("HDF-59-01", "Centre social Lille Sud", QPV, BOTH, D(2021, 1, 4), ["59350"], ["QN05901M"],
             [Holder("Sophie", "Lambert", D(2021, 1, 4), email="mediatrice@demo.fr")]),
    DemoPost("HDF-59-02", "Centre social Lille Sud", QPV, BOTH, D(2022, 9, 1), ["59350"], ["QN05902M"],
             [Holder("Amandine", "Caron", D(2022, 9, 1), D(2024, 3, 31)),
              Holder("Fatou", "Diallo", D(2024, 5, 2))]),
    DemoPost("HDF-59-03", "CCAS de Roubaix", QPV, BOTH, D(2021, 6, 1), ["59512"], ["QN05903M"],
             [Holder("Julien", "Delattre", D(2021, 6, 1))]),
    DemoPost("HDF-59-04", "CCAS de Roubaix", QPV, PREF, D(2024, 9, 2), ["59512", "59599", "59163"], ["QN05904M"]),
    DemoPost("HDF-59-05", "Association Sambre-Avesnois Santé", QPV, BOTH, D(2021, 3, 1), ["59392", "59291"],
             ["QN05905M"], [Holder("Céline", "Lemaire", D(2021, 3, 1))]),
    DemoPost("HDF-59-06", "Association Sambre-Avesnois Santé", RURAL, ARS, D(2022, 1, 3),
             ["59249", "59601", "59012", "59525", "59036"], [], [Holder("Marion", "Dupont", D(2022, 1, 3))]),
    DemoPost("HDF-59-07", "CPTS du Valenciennois", QPV, BOTH, D(2021, 9, 1), ["59606", "59014"], ["QN05906M"],
             [Holder("Yasmina", "Kaci", D(2021, 9, 1), D(2023, 8, 31)),
              Holder("Thomas", "Vasseur", D(2023, 10, 2))]),
    DemoPost("HDF-59-08", "CPTS du Valenciennois", QPV, BOTH, D(2023, 1, 2), ["59172"], ["QN05907M"],
             [Holder("Laetitia", "Dubois", D(2023, 1, 2))]),
    DemoPost("HDF-59-09", "Association Dunkerque Santé Solidarité", QPV, BOTH, D(2022, 4, 1), ["59271"],
             ["QN05908M"], [Holder("Kévin", "Deprez", D(2022, 4, 1))]),
    DemoPost("HDF-59-10", "Association Dunkerque Santé Solidarité", QPV, PREF, D(2024, 2, 1), ["59183"],
             ["QN05909M"], [Holder("Aurélie", "Lecomte", D(2024, 2, 1))]),
    # Pas-de-Calais
    DemoPost("HDF-62-01", "CPTS Lens-Liévin", QPV, BOTH, D(2021, 2, 1), ["62498"], ["QN06201M"],
             [Holder("Mehdi", "Bensaïd", D(2021, 2, 1), email="mediateur@demo.fr")]),
    DemoPost("HDF-62-02", "CPTS Lens-Liévin", QPV, BOTH, D(2022, 3, 1), ["62510", "62065"], ["QN06202M"],
             [Holder("Samia", "Boudjema", D(2022, 3, 1), D(2024, 10, 31))]),
    DemoPost("HDF-62-03", "Association Côte d'Opale Santé", QPV, PREF, D(2021, 5, 3), ["62193"], ["QN06203M"],
             [Holder("Élodie", "Fournier", D(2021, 5, 3), D(2022, 12, 31)),
              Holder("Nicolas", "Wallet", D(2023, 2, 1))]),
    DemoPost("HDF-62-04", "Association Côte d'Opale Santé", QPV, BOTH, D(2022, 6, 1), ["62160", "62643"],
             ["QN06204M"], [Holder("Jessica", "Leroy", D(2022, 6, 1))]),
    DemoPost("HDF-62-05", "Association Côte d'Opale Santé", RURAL, ARS, D(2023, 3, 1),
             ["62447", "62060", "62364", "62588"], [], [Holder("Pauline", "Duhamel", D(2023, 3, 1))]),
    # Aisne
    DemoPost("HDF-02-01", "CCAS de Saint-Quentin", QPV, BOTH, D(2021, 10, 1), ["02691"], ["QN00201M"],
             [Holder("Sandrine", "Carpentier", D(2021, 10, 1))]),
    DemoPost("HDF-02-02", "Maison de santé de Thiérache", RURAL, ARS, D(2022, 11, 2),
             ["02789", "02361", "02381", "02141", "02558"], [], [Holder("Mathilde", "Roussel", D(2022, 11, 2))]),
    # Somme
    DemoPost("HDF-80-01", "Association Somme Santé Médiation", QPV, BOTH, D(2021, 4, 1), ["80021"], ["QN08001M"],
             [Holder("Aïcha", "Traoré", D(2021, 4, 1))]),
    DemoPost("HDF-80-02", "Association Somme Santé Médiation", RURAL, ARS, D(2024, 1, 8),
             ["80368", "80308", "80373", "80721"], [], [Holder("Claire", "Bernard", D(2024, 1, 8))]),
    # Oise
    DemoPost("HDF-60-01", "Centre social des Hauts de Creil", QPV, BOTH, D(2022, 2, 1), ["60175", "60414"],
             ["QN06001M"], [Holder("Rachid", "Amrani", D(2022, 2, 1))]),
]
# fmt: on


@dataclass(frozen=True)
class Account:
    """A demo account other than a post holder: its role and scope."""

    email: str
    first_name: str
    last_name: str
    role: str
    structure: str = ""  # structure name, for structure roles
    region: str = ""  # region code, for a whole-region scope
    departments: tuple = ()  # department codes, for a departmental scope


ACCOUNTS = [
    Account("encadrante@demo.fr", "Isabelle", "Morel", Role.STRUCTURE_MANAGER, structure="Centre social Lille Sud"),
    Account("coordination@demo.fr", "Hélène", "Masson", Role.COORDINATOR, region=REGION_CODE),
    Account("coordination.nord@demo.fr", "François", "Leclercq", Role.COORDINATOR, departments=("59",)),
    Account("lecture@demo.fr", "Philippe", "Garnier", Role.READER, region=REGION_CODE),
    Account("admin@demo.fr", "Nathalie", "Girard", Role.ADMIN),
]

# The accounts listed first in the printed table, in this order; post holders follow.
FEATURED_EMAILS = [
    "mediatrice@demo.fr",
    "mediateur@demo.fr",
    "encadrante@demo.fr",
    "coordination@demo.fr",
    "coordination.nord@demo.fr",
    "lecture@demo.fr",
    "admin@demo.fr",
]


# The demo's activity follows today's date: the demo year is last year, complete (its sheets and
# the campaign of its annual bilans, opened in January of this year); the year before it has
# fewer sheets and imported bilans, to compare with; this year is in progress up to today.
DEMO_SHEETS = 2000  # the demo year
DEMO_SHEETS_BEFORE = 1700  # the year before: fewer, the programme grew
# This year, in progress: about DEMO_SHEETS a year, pro rata of the days elapsed.


def demo_year(today=None):
    """The last complete year on `today` (default: today's local date): the year the demo's
    campaign asks about."""
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    return today.year - 1


def _shift(day, years):
    return day if day is None else day.replace(year=day.year + years)


def posts(year):
    """The demo posts with their dates moved to a demo year of `year`."""
    years = year - TABLE_YEAR
    return [
        DemoPost(
            spec.code,
            spec.structure,
            spec.post_type,
            spec.funding,
            _shift(spec.start, years),
            spec.communes,
            spec.qpvs,
            [
                Holder(h.first_name, h.last_name, _shift(h.start, years), _shift(h.end, years), h.email)
                for h in spec.holders
            ],
        )
        for spec in _POST_TABLE
    ]


# Codes, structures, holders' names and e-mails do not depend on the year; the dates of POSTS
# are those of the demo year when this module was imported: use posts(year) for dates.
DEMO_YEAR = demo_year(datetime.date.today())
POSTS = posts(DEMO_YEAR)
