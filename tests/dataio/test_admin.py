from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.dataio.choices import ImportStatus
from apps.dataio.selectors import import_jobs_visible_to
from tests.factories import ImportJobFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:dataio_importjob_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(SuperUserFactory(username="root"))
    return client


def test_changelist_shows_progress_and_status(admin_client):
    started = timezone.now() - timedelta(minutes=5)
    ImportJobFactory(
        resource="shifts",
        status=ImportStatus.RUNNING,
        total_rows=200,
        processed_rows=50,
        started_at=started,
    )

    response = admin_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    content = response.content.decode()
    assert "50 / 200 (25%)" in content
    assert "Running" in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "facilities"}, ["facilities"]),
        ({"status__exact": ImportStatus.FAILED}, ["facilities"]),
        ({"format__exact": "xlsx"}, ["facilities"]),
        ({"dry_run__exact": "1"}, ["shifts"]),
    ],
)
def test_changelist_search_and_filters(admin_client, params, expected):
    ImportJobFactory(resource="shifts", dry_run=True)
    ImportJobFactory(resource="facilities", status=ImportStatus.FAILED, format="xlsx")

    response = admin_client.get(reverse(CHANGELIST), params)

    assert response.status_code == 200
    assert [job.resource for job in response.context["cl"].result_list] == expected


def test_filter_by_creator(admin_client):
    mine = ImportJobFactory(resource="shifts")
    ImportJobFactory(resource="facilities")

    response = admin_client.get(reverse(CHANGELIST), {"created_by__id__exact": mine.created_by_id})

    assert [job.resource for job in response.context["cl"].result_list] == ["shifts"]


def test_no_add_and_detail_is_read_only(admin_client):
    job = ImportJobFactory(
        status=ImportStatus.SUCCEEDED,
        total_rows=10,
        processed_rows=10,
        started_at=timezone.now() - timedelta(seconds=90),
        finished_at=timezone.now(),
    )

    assert admin_client.get(reverse("admin:dataio_importjob_add")).status_code == 403
    response = admin_client.get(reverse("admin:dataio_importjob_change", args=[job.pk]))
    assert response.status_code == 200
    assert "0:01:30" in response.content.decode()
    response = admin_client.post(reverse("admin:dataio_importjob_change", args=[job.pk]), {"resource": "x"})
    assert response.status_code == 403


def test_changelist_query_count_is_flat(admin_client, django_assert_max_num_queries):
    ImportJobFactory.create_batch(25)
    url = reverse(CHANGELIST)
    admin_client.get(url)

    with django_assert_max_num_queries(10):
        admin_client.get(url)


def test_people_without_a_console_role_see_only_their_own_jobs(client):
    me = UserFactory(is_staff=True)
    me.user_permissions.set(Permission.objects.filter(codename="view_importjob"))
    mine = ImportJobFactory(created_by=me)
    ImportJobFactory()
    client.force_login(me)

    response = client.get(reverse(CHANGELIST))

    assert list(response.context["cl"].result_list) == [mine]
    assert list(import_jobs_visible_to(user=me)) == [mine]
