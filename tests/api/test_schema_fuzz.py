"""schemathesis over the whole published schema, in process against the WSGI app, with a real token:
whatever it sends, valid or not, the API answers without a server error."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.accounts.models import ApiClient
from tutor.learning.services import cohort_attach, cohort_create

pytestmark = pytest.mark.django_db
EXAMPLES = 25  # per operation: about 300 requests in all, well under a minute


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, minus closing the database connection after each request (as Django's
    test client does): that connection holds the test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def test_no_input_makes_a_server_error(course, classroom, wsgi_app):
    client = ApiClient(name="fuzz")
    token = client.issue_token()
    client.save()
    cohort = cohort_create(api_client=client, course=course, planner="adaptive", size=2)
    cohort_attach(cohort=cohort, classroom=classroom)
    # Ids that exist and are the client's, for the cases that aim at real objects.
    existing = {"learner": cohort.learners.first().pk, "cohort": cohort.pk, "course": course.slug}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        cases = st.one_of(*(operation.as_strategy(mode) for mode in schemathesis.GenerationMode))

        @given(case=cases, aim=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def call(case, aim):
            if aim:  # at objects that exist, rather than at whatever ids and slugs came out
                case.path_parameters = {**(case.path_parameters or {}),
                                        **{k: v for k, v in existing.items() if k in (case.path_parameters or {})}}
                if isinstance(case.body, dict) and "course" in case.body:
                    case.body["course"] = course.slug
            response = case.call(headers={"Authorization": f"Token {token}"})
            assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])

        call()
