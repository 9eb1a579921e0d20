"""The XLSForms of laydown/openrosa: every XForm Laydown serves passes ODK Validate (Java), its
question names are the payload keys of its form kind, and its labels are in four languages."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext, trans_real

from laydown.access.roles import Role
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.arms.models import Site
from laydown.field import kinds
from laydown.openrosa import xlsforms
from laydown.testing import user_with_role


def everything() -> object:
    """A principal that may submit every form (a clerk, a registrar and partner staff)."""
    user = user_with_role("all-forms", Role.COLLECTION_CLERK)
    for role in (Role.REGISTRAR, Role.PARTNER_STAFF):
        accounts.role_grant(actor=accounts.SYSTEM, user=user, role=role, scope="programme")
    return principal_for_user(user)


@pytest.mark.django_db
@pytest.mark.slow
def test_every_xform_served_passes_odk_validate(sites: dict[str, Site]) -> None:
    vocab = xlsforms.vocabularies(everything())  # type: ignore[arg-type]
    assert sorted(xlsforms.form_names()) == sorted(k.name for k in kinds.all_kinds())
    for form in xlsforms.form_names():
        built = xlsforms.build(form, vocab)
        xlsforms.validate(built.xform)  # raises ODKValidateError on a problem
        text = built.xform.decode()
        assert f'id="{form}"' in text and f'version="{built.version}"' in text
        for language in xlsforms.LANGUAGES.values():
            assert f'lang="{language}"' in text
    weapon = xlsforms.build("arms.weapon", vocab)
    assert weapon.media["sites.csv"].decode().splitlines()[0] == "name,label"
    assert "cp-north,Collection point North" in weapon.media["sites.csv"].decode()
    again = xlsforms.build("arms.weapon", {**vocab, "sites": [["depot-a", "Depot A"]]})
    assert again.version == weapon.version and again.xform is weapon.xform  # built once
    assert again.media["sites.csv"] == b"name,label\ndepot-a,Depot A\n"  # the user's own list
    with translation.override("ru"):
        russian = gettext("Serviceable")
    assert russian != "Serviceable" and russian in weapon.xform.decode()  # a list's label


@pytest.mark.django_db
def test_a_vocabulary_change_makes_a_new_version(sites: dict[str, Site]) -> None:
    vocab = xlsforms.vocabularies(everything())  # type: ignore[arg-type]
    first = xlsforms.build("arms.weapon", vocab)
    changed = {**vocab, "conditions": [*vocab["conditions"], ["rusty", "rusty"]]}
    assert xlsforms.build("arms.weapon", changed).version != first.version


def test_every_label_of_the_xlsforms_is_translated_in_the_catalogues() -> None:
    untranslated = []
    for form in xlsforms.form_names():
        book = xlsforms.workbook(form)
        texts = [r.get("label") for r in book["survey"] + book.get("choices", [])]
        texts.append(book["settings"][0]["form_title"])
        for text in filter(None, texts):
            for code, language in list(xlsforms.LANGUAGES.items())[1:]:
                got = xlsforms._translated(text)[language]
                catalogue = trans_real.translation(code)._catalog
                if got == text and catalogue.get(text) is None:
                    untranslated.append(f"{form}: {text!r} ({code})")
    assert not untranslated, "\n".join(untranslated)


def test_the_question_names_are_payload_keys() -> None:
    weapon = xlsforms.questions("arms.weapon")
    assert "start" not in weapon and weapon["photos"].how == "file"
    assert weapon["year"].type == "integer"
    people = xlsforms.questions("people.registration")
    assert "screening" not in people and "screening__answers__names_unit" in people
