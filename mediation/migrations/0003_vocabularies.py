"""The closed lists of the regional bilan, as the region uses them. Codes are stable;
labels and order may be edited by an administrator, and a value is retired, never deleted."""

from django.db import migrations

VOCABULARIES = {
    "sex": [
        ("female", "Femme"),
        ("male", "Homme"),
        ("non_binary", "Non binaire"),
    ],
    "resources": [
        ("aah", "AAH"),
        ("allocations_familiales", "Allocations familiales"),
        ("assurance_maladie", "Assurance maladie"),
        ("aucune_ressource", "Aucune ressource"),
        ("non_communique", "Non communiqué"),
        ("chomage", "Chômage"),
        ("pension_de_retraite", "Pension de retraite"),
        ("pension_de_reversion", "Pension de réversion"),
        ("rsa", "RSA"),
        ("salaire", "Salaire"),
        ("autres", "Autres"),
    ],
    "came_via": [
        ("outreach", "Aller vers"),
        ("bouche_a_oreille", "Bouche-à-oreille"),
        ("structure_communication", "Communication de la structure sur les missions du médiateur santé"),
        ("contact_direct", "Contact direct"),
        ("partner_referral", "Orientation par un partenaire"),
        ("prior_meeting", "Rencontre physique préalable avec le médiateur ou sa structure"),
        ("self_sought", "Usager ayant cherché de lui-même une personne ressource"),
    ],
    "rights_request": [
        ("aides_financieres_pour_frais_de_specialiste", "Aides financières pour frais de spécialiste"),
        ("demande_de_complementaire_sante_solidaire", "Demande de Complémentaire santé solidaire"),
        ("prestations_de_sante", "Prestations de santé"),
        ("prestations_sociales", "Prestations sociales"),
        ("autre", "Autre"),
    ],
    "care_request": [
        ("aide_ou_prise_de_rendez_vous_pour_avec_l_usager", "Aide ou prise de rendez-vous pour/avec l'usager"),
        ("aide_a_la_recherche_d_un_professionnel_de_sante", "Aide à la recherche d'un professionnel de santé"),
        ("accompagnement_bilan_de_sante", "Accompagnement bilan de santé"),
        ("accompagnement_aux_rendez_vous_medicaux", "Accompagnement aux rendez-vous médicaux"),
        ("conseil_sante", "Conseil santé"),
        ("activite_physique_adaptee", "Activité physique adaptée"),
        ("depistage_organise", "Dépistage organisé"),
        ("activation_de_compte_sur_une_plateforme_de_rendez", "Activation de compte sur une plateforme de rendez-vous"),
        ("addiction_cmpp_csapa", "Addiction / CMPP / CSAPA"),
        ("atelier_cuisine", "Atelier cuisine"),
        ("non_connu_autre", "Non connu / autre"),
    ],
    "partner_category": [
        ("health", "Sanitaire"),
        ("social", "Social"),
        ("medico_social", "Médico-social"),
    ],
    "coanimating_partner": [
        ("cpam", "CPAM"),
        ("professionnel_de_sante", "Professionnel de santé"),
        ("centre_social", "Centre social"),
        ("association_locale", "Association locale"),
        ("acteurs_specialises", "Acteurs spécialisés"),
        ("service_de_prevention", "Service de prévention"),
        ("ville_collectivite", "Ville / collectivité"),
        ("autre", "Autre"),
    ],
    "prevention_theme": [
        ("nutrition", "Nutrition (alimentation, activité physique)"),
        ("cancer_depistages", "Cancer / dépistages"),
        ("addictions", "Addictions"),
        ("sante_mentale", "Santé mentale"),
        ("sante_sexuelle", "Santé sexuelle"),
        ("vaccination", "Vaccination"),
        ("hygiene", "Hygiène"),
        ("sante_des_jeunes", "Santé des jeunes"),
        ("bilan_de_sante", "Bilan de santé"),
        ("autre", "Autre"),
    ],
    "public": [
        ("professionnels_du_secteur_social", "Professionnels du secteur social"),
        ("professionnels_de_sante", "Professionnels de santé"),
        ("demandeurs_d_emploi_rsa", "Demandeurs d'emploi / RSA"),
        ("habitants", "Habitants"),
        ("professionnels_du_medico_social", "Professionnels du médico-social"),
        ("public_relais_pairs_mediateurs", "Public relais / pairs / médiateurs"),
        ("aidants_intervenants_benevoles", "Aidants, intervenants bénévoles"),
        ("adultes_en_parcours_d_insertion", "Adultes en parcours d'insertion"),
        ("etrangers_migrants", "Étrangers, migrants"),
        ("parents", "Parents"),
        ("jeunes_en_insertion_professionnelle", "Jeunes en insertion professionnelle"),
        ("personnes_agees", "Personnes âgées"),
        ("personnes_handicapees", "Personnes handicapées"),
        ("sans_domicile_fixe", "Sans domicile fixe"),
        ("professionnels_de_l_education", "Professionnels de l'éducation"),
        ("salaries_travailleurs_independants", "Salariés / travailleurs indépendants"),
        ("autres_professionnels", "Autres professionnels"),
        ("petite_enfance_scolaires", "Petite enfance, scolaires"),
        ("personnes_avec_pathologie_particuliere", "Personnes avec pathologie particulière"),
        ("etudiants", "Étudiants"),
        ("personnes_hospitalisees", "Personnes hospitalisées"),
        ("usagers_de_drogues", "Usagers de drogues"),
        ("gens_du_voyage", "Gens du voyage"),
        ("femmes_enceintes", "Femmes enceintes"),
        ("personnes_lgbt", "Personnes LGBT+"),
        ("personnes_prostituees", "Personnes prostituées"),
        ("personnes_sous_main_de_justice", "Personnes sous main de justice"),
    ],
    "health_need": [
        ("sante_mentale", "Santé mentale"),
        ("addictions", "Addictions"),
        ("nutrition", "Nutrition"),
        ("hygiene", "Hygiène"),
        ("cancer", "Cancer"),
        ("sante_sexuelle", "Santé sexuelle"),
        ("acces_aux_soins", "Accès aux soins"),
        ("autre", "Autre"),
    ],
    "care_barrier": [
        ("ressources_financieres", "Ressources financières"),
        ("complexite_des_demarches_administratives", "Complexité des démarches administratives"),
        ("mobilite", "Mobilité"),
        ("meconnaissance_des_dispositifs_manque_d_informatio", "Méconnaissance des dispositifs / manque d'information"),
        ("non_connaissance_des_droits", "Non-connaissance des droits"),
        ("handicap", "Handicap"),
        ("crainte_de_consequences_negatives", "Crainte de conséquences négatives"),
        ("logement", "Logement"),
        ("emploi", "Emploi"),
        ("education", "Éducation"),
        ("barriere_linguistique_ou_culturelle", "Barrière linguistique ou culturelle"),
        ("autre", "Autre"),
    ],
    "referral_reason": [
        ("parcours_de_sante_complexe", "Parcours de santé complexe"),
        ("acces_aux_droits", "Accès aux droits"),
        ("rupture_de_soins", "Rupture de soins"),
        ("renoncement_aux_soins", "Renoncement aux soins"),
        ("autre", "Autre"),
    ],
    "contact_mode": [
        ("permanence", "Permanence"),
        ("domicile", "Domicile"),
        ("telephone", "Téléphone"),
        ("accompagnement_physique", "Accompagnement physique"),
        ("aller_vers_porte_a_porte", "Aller-vers (porte-à-porte)"),
        ("autre", "Autre"),
    ],
    "professional_project": [
        ("defined", "Défini"),
        ("emerging", "En réflexion"),
        ("none", "Aucun"),
    ],
}


def load(apps, schema_editor):
    VocabularyItem = apps.get_model("mediation", "VocabularyItem")
    for vocabulary, items in VOCABULARIES.items():
        for order, (code, label) in enumerate(items, start=1):
            VocabularyItem.objects.get_or_create(
                vocabulary=vocabulary, code=code, defaults={"label": label, "order": order}
            )


def unload(apps, schema_editor):
    VocabularyItem = apps.get_model("mediation", "VocabularyItem")
    VocabularyItem.objects.filter(vocabulary__in=VOCABULARIES).delete()


class Migration(migrations.Migration):
    dependencies = [("mediation", "0002_hauts_de_france")]
    operations = [migrations.RunPython(load, unload)]
