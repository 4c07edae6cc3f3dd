import datetime

import factory
from factory.django import DjangoModelFactory

from accompaniments.enums import RequestDomain, RequestStatus
from accompaniments.models import Beneficiary, Contact, Sheet, SheetRequest
from mediation.enums import Vocabulary
from mediation.models import VocabularyItem
from tests.factories import PostFactory, StructureFactory, UserFactory


def item(vocabulary, code):
    """A value of a closed list, loaded by the data migration."""
    return VocabularyItem.objects.get(vocabulary=vocabulary, code=code)


class BeneficiaryFactory(DjangoModelFactory):
    class Meta:
        model = Beneficiary

    structure = factory.SubFactory(StructureFactory)
    referent = factory.SubFactory(UserFactory)
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    birth_year = 1980
    sex = factory.LazyFunction(lambda: item(Vocabulary.SEX, "female"))
    lives_in_qpv = True
    resources = factory.LazyFunction(lambda: item(Vocabulary.RESOURCES, "rsa"))
    came_via = factory.LazyFunction(lambda: item(Vocabulary.CAME_VIA, "contact_direct"))


class SheetFactory(DjangoModelFactory):
    class Meta:
        model = Sheet

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    mediator = factory.LazyAttribute(lambda o: o.beneficiary.referent)
    post = factory.LazyAttribute(lambda o: PostFactory(structure=o.beneficiary.structure))
    opened_on = datetime.date(2024, 3, 15)
    contact_mode = factory.LazyFunction(lambda: item(Vocabulary.CONTACT_MODE, "permanence"))
    sex = factory.LazyAttribute(lambda o: o.beneficiary.sex)
    age = 44
    lives_in_qpv = factory.LazyAttribute(lambda o: o.beneficiary.lives_in_qpv)
    resources = factory.LazyAttribute(lambda o: o.beneficiary.resources)
    came_via = factory.LazyAttribute(lambda o: o.beneficiary.came_via)


class SheetRequestFactory(DjangoModelFactory):
    class Meta:
        model = SheetRequest

    sheet = factory.SubFactory(SheetFactory)
    domain = RequestDomain.RIGHTS
    kind = factory.LazyFunction(lambda: item(Vocabulary.RIGHTS_REQUEST, "demande_de_complementaire_sante_solidaire"))
    status = RequestStatus.IN_PROGRESS
    opened_on = factory.LazyAttribute(lambda o: o.sheet.opened_on)

    class Params:
        care = factory.Trait(
            domain=RequestDomain.CARE,
            kind=factory.LazyFunction(
                lambda: item(Vocabulary.CARE_REQUEST, "aide_a_la_recherche_d_un_professionnel_de_sante")
            ),
        )
        resolved = factory.Trait(status=RequestStatus.RESOLVED, closed_on=factory.LazyAttribute(lambda o: o.opened_on))


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    sheet = factory.SubFactory(SheetFactory)
    date = factory.LazyAttribute(lambda o: o.sheet.opened_on)
    mode = factory.LazyFunction(lambda: item(Vocabulary.CONTACT_MODE, "telephone"))
    minutes = 20
