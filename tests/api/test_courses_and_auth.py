import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api.helpers import program as make_program
from tests.api.helpers import token_client
from tests.tutor.factories import ApiClientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return make_program("sim")


def test_create_api_client_prints_a_working_token(course, capsys):
    call_command("create_api_client", "bench")
    token = capsys.readouterr().out.strip()
    assert token_client(token).get("/api/v1/courses/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/courses/", "/api/v1/courses/tiny/"])
def test_course_endpoints_authorization(course, path):
    assert APIClient().get(path).json()["error"] == "not_authenticated"
    assert token_client("not-a-token").get(path).status_code == 401
    inactive = ApiClientFactory(is_active=False)
    assert token_client(inactive.token_prefix + "x").get(path).status_code == 401
    browser = APIClient()
    browser.force_login(UserFactory())
    assert browser.get(path).status_code == 200


def test_course_list_and_detail_shapes(course, program):
    assert program.get("/api/v1/courses/").json() == [
        {"id": "tiny", "title": "Tiny course", "description": "A pack for tests.", "version": 1, "item_count": 4, "template_count": 1}
    ]
    detail = program.get("/api/v1/courses/tiny/").json()
    assert detail["kcs"] == [
        {"id": "add", "name": "Addition", "prerequisites": []},
        {"id": "frac", "name": "Fractions", "prerequisites": ["add"]},
        {"id": "lin", "name": "Linear equations", "prerequisites": ["add", "frac"]},
    ]


def test_unknown_course_is_a_json_404(course, program):
    response = program.get("/api/v1/courses/nope/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_schema_is_served(program):
    response = program.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/courses/{course}/" in response.json()["paths"]


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/learners/{learner}/attempts/" in schema and "tokenAuth" in schema


ENDPOINTS = {
    "/api/v1/courses/": {"get"},
    "/api/v1/courses/{course}/": {"get"},
    "/api/v1/courses/{course}/graph/": {"get"},
    "/api/v1/learners/": {"post"},
    "/api/v1/learners/{learner}/": {"get", "delete"},
    "/api/v1/learners/{learner}/next/": {"get"},
    "/api/v1/learners/{learner}/attempts/": {"get", "post"},
    "/api/v1/learners/{learner}/mastery/": {"get"},
    "/api/v1/learners/{learner}/tutor/": {"post"},
    "/api/v1/learners/{learner}/tutor/{turn}/": {"get"},
    "/api/v1/cohorts/": {"post"},
    "/api/v1/cohorts/{cohort}/": {"get"},
    "/api/v1/cohorts/{cohort}/step/": {"post"},
    "/api/v1/attempts/batch/": {"post"},
}


def _ref(content: dict) -> str:
    schema = content["application/json"]["schema"]
    return schema.get("items", schema)["$ref"].rsplit("/", 1)[-1]  # one object, or a list of them


def test_every_endpoint_is_documented_with_its_own_input_and_output(program):
    paths = program.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {path: set(ops) & {"get", "post", "put", "patch", "delete"} for path, ops in paths.items()
            if path.startswith("/api/v1/")} == ENDPOINTS
    inputs = []
    for path, methods in ENDPOINTS.items():
        for method in methods:
            operation = paths[path][method]
            if method == "post":
                inputs.append(_ref(operation["requestBody"]["content"]))
                assert inputs[-1].endswith("In"), (path, inputs[-1])
            for code, response in operation["responses"].items():
                if code == "204":
                    assert "content" not in response, (path, method)
                    continue
                name = _ref(response["content"])
                assert name == "ErrorOut" if code[0] == "4" else name.removesuffix("List").endswith("Out"), (
                    path, method, code, name)
            assert "401" in operation["responses"], (path, method)
    assert len(inputs) == len(set(inputs))  # one input serializer per endpoint
    mastery = paths["/api/v1/learners/{learner}/mastery/"]["get"]
    assert [p["name"] for p in mastery["parameters"] if p["in"] == "query"] == ["at"]
