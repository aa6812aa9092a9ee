"""Write a generated population into a fresh matcher store, in one transaction."""

from __future__ import annotations

from openabc.matcher.records import Identity
from openabc.matcher.store import MatcherStore
from openabc.matcher.vis import Visa, add_visa
from openabc.seeding.generator import Generated
from openabc.seeding.models import SeedPerson


def write_population(store: MatcherStore, generated: Generated) -> int:
    """Insert every person's registers; returns the number of gallery templates."""
    templates = 0
    with store.transaction():
        for person in generated.persons:
            templates += _write_person(store, person, generated)
        for issuing_state, number in generated.orphan_sltd:
            store.add_sltd(issuing_state, number)
    return templates


def _write_person(store: MatcherStore, person: SeedPerson, generated: Generated) -> int:
    doc = person.document
    if person.enrolled:
        store.add_person(
            person.person_id,
            Identity(doc.surname, doc.given_names, doc.birth_date, doc.nationality, doc.sex),
        )
        store.add_document(
            person.person_id,
            doc.document_type,
            doc.issuing_state,
            doc.document_number,
            doc.expiry_date,
        )
        for direction, on_date in person.movements:
            store.add_movement(person.person_id, direction, on_date)
    if person.etias is not None:
        store.set_etias(
            doc.issuing_state, doc.document_number, person.etias.status, person.etias.valid_until
        )
    if person.sis_alert:
        store.add_sis_alert(f"sis-{person.person_id}", doc.surname, doc.given_names, doc.birth_date)
    if person.sltd:
        store.add_sltd(doc.issuing_state, doc.document_number)
    for visa in person.visas:
        add_visa(
            store,
            doc.issuing_state,
            doc.document_number,
            Visa(
                visa.visa_id,
                visa.valid_from,
                visa.valid_until,
                visa.entries_allowed,
                visa.entries_used,
            ),
        )
    if person.enrolled and person.template is not None:
        store.add_template(
            person.person_id, generated.model_id, generated.model_version, person.template
        )
        return 1
    return 0
