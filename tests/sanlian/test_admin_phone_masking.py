"""Admin change forms never send a stored phone number to the browser (issue 19, finding 9)."""

import pytest
from django.forms import MultiWidget

from sanlian.models import Role
from socialworkers.models import Volunteer
from tests import factories as f

PHONE = "13912348888"
MASKED = "139****8888"


@pytest.fixture
def root(client, db):
    user = f.UserFactory(username="root", role=Role.CIVIL_AFFAIRS, is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _objects():
    return {
        "sanlian/user": (f.UserFactory(username="withphone", phone=PHONE), "phone"),
        "organizations/organization": (f.OrganizationFactory(contact_phone=PHONE), "contact_phone"),
        "socialworkers/socialworker": (f.SocialWorkerFactory(phone=PHONE), "phone"),
        "socialworkers/volunteer": (f.VolunteerFactory(phone=PHONE), "phone"),
    }


@pytest.mark.parametrize(
    "path",
    [
        "sanlian/user",
        "organizations/organization",
        "socialworkers/socialworker",
        "socialworkers/volunteer",
    ],
)
def test_change_form_masks_the_phone_and_keeps_it_when_left_empty(client, root, path):
    obj, field = _objects()[path]
    url = f"/admin/{path}/{obj.pk}/change/"
    response = client.get(url)
    page = response.content.decode()
    assert PHONE not in page and MASKED in page
    data = _resubmitted(response.context["adminform"].form) | _management(response)
    saved = client.post(url, data)
    assert saved.status_code == 302, getattr(saved.context.get("adminform"), "form", None).errors
    obj.refresh_from_db()
    assert getattr(obj, field) == PHONE


def _resubmitted(form) -> dict:
    """What the browser posts back for the form as shown (the phone field left empty)."""
    data = {}
    for name in form.fields:
        value, widget = form[name].value(), form.fields[name].widget
        if isinstance(widget, MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
        else:
            data[name] = "" if value is None else value
    return data


def _management(response) -> dict:
    data = {}
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
    return data


def test_change_form_replaces_the_phone_with_a_new_number(client, root):
    worker = f.VolunteerFactory(phone=PHONE)
    url = f"/admin/socialworkers/volunteer/{worker.pk}/change/"
    data = _resubmitted(client.get(url).context["adminform"].form) | {"phone": "13700001234"}
    assert client.post(url, data).status_code == 302
    worker.refresh_from_db()
    assert worker.phone == "13700001234"


def test_control_the_unmasked_form_would_show_the_number(client, root, monkeypatch):
    """Control: with Django's plain form the number is on the page, as it was."""
    from django import forms
    from django.contrib import admin

    volunteer_admin = admin.site._registry[Volunteer]
    monkeypatch.setattr(volunteer_admin, "form", forms.ModelForm)
    worker = f.VolunteerFactory(phone=PHONE)
    assert (
        PHONE in client.get(f"/admin/socialworkers/volunteer/{worker.pk}/change/").content.decode()
    )
