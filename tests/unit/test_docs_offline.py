"""/docs works on a network without the internet: Swagger UI comes from the service, and takes a bearer token."""

import httpx
import pytest

from neuguong.runtime.service import create_app
from neuguong.runtime.settings import Settings
from services import definition


@pytest.fixture
def client():
    app = create_app(definition("honors"), Settings(service="honors"))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://honors")


async def test_the_docs_page_loads_swagger_ui_from_the_service_itself(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn.jsdelivr.net" not in page.text and "/docs/static/swagger-ui-bundle.js" in page.text
    script = await client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text[:2000]
    assert (await client.get("/docs/static/swagger-ui.css")).status_code == 200


async def test_the_document_offers_the_bearer_scheme_to_authorize_with(client):
    document = (await client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/honors"]["post"]["security"] == [{"bearer": []}]


async def test_with_an_operations_port_the_docs_scripts_answer_only_there():
    app = create_app(definition("honors"), Settings(service="honors", operations_port=9100))
    public = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://h:8000")
    operations = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://h:9100")
    assert (await public.get("/docs/static/swagger-ui.css")).status_code == 404
    assert (await operations.get("/docs/static/swagger-ui.css")).status_code == 200
