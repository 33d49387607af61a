"""A decision address with an id or a template that is no number is a 404."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reprints import services
from reprints.models import ReplyTemplate

# "٣" is not here: int() reads it as 3, and the admin's get_object() with it
# (the change view's own answer for the same id).
BAD = ["abc", "%C2%B2", "%C2%B9", "-1", "99999999999999999999", "x" * 300]


@pytest.fixture
def stored(request_data, article):
    data = {**request_data(), "article": article, "idempotency_token": "t1"}
    data["intended_date"] = timezone.localdate() + timedelta(days=3)
    return services.submit_reprint_request(data)


@pytest.fixture
def staff(client, db):
    client.force_login(User.objects.create_superuser("root", "r@example.org", "pw"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "decline", "needs-info"])
def test_a_bad_request_id_is_not_found(staff, stored, action):
    base = "/admin/reprints/reprintrequest"
    assert staff.get(f"{base}/{stored.pk}/{action}/").status_code == 200
    for bad in BAD:
        assert staff.get(f"{base}/{bad}/{action}/").status_code == 404, bad


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "decline", "needs-info"])
def test_a_bad_template_starts_from_no_template(staff, stored, action):
    url = f"/admin/reprints/reprintrequest/{stored.pk}/{action}/"
    chosen = ReplyTemplate.objects.create(
        kind=action.replace("-", "_"), name="Chosen", subject="S", body="Picked one."
    )
    assert "Picked one." in staff.get(f"{url}?template={chosen.pk}").text
    for bad in [*BAD, ""]:
        response = staff.get(f"{url}?template={bad}")
        assert response.status_code == 200, bad
        assert "Picked one." not in response.text
