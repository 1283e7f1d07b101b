"""Local times and places the scheduling tests share (alex, sam, mcr, supervisor, root: tests/conftest.py)."""

import csv
import html
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from tests.factories import FacilityFactory

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")


def london(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def studio(mcr):
    return FacilityFactory(code="LON-STU1", name="Studio 1", location=mcr.location)


def signed_in(client, user):
    """`client` signed in as `user`, with the roles' permissions from fixtures/roles.json (as `make run` loads them)."""
    call_command("load_reference_data", verbosity=0)
    client.force_login(user)
    return client


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def login(client, roles):
    """login(user): the client signed in as `user`, the roles' permissions loaded."""
    return lambda user: signed_in(client, user)


def import_preview(client, model, headers, *rows, name="rows.csv"):
    """Upload a CSV on `model`'s Import page, as a person does: the preview page (nothing written yet)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    upload = SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")
    opts = model._meta
    return client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"), {"import_file": upload})


def import_confirm(client, model):
    """Press Confirm on the latest preview: the import itself."""
    from apps.dataio.models import ImportJob

    preview = ImportJob.objects.filter(dry_run=True).latest("created_at")
    opts = model._meta
    return client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_process_import"), {"job": str(preview.uid)})


def page_text(response) -> str:
    return html.unescape(response.content.decode())
