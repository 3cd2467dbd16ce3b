"""/docs and /redoc work without internet: every asset they name is served by the service."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest

CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "spec-url"} and value:
                self.links.append(value)


def _links(page: str) -> list[str]:
    parser = _AssetLinks()
    parser.feed(page)
    return parser.links


@pytest.mark.parametrize(
    ("page", "script"),
    [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")],
)
async def test_reference_pages_name_only_assets_served_here(
    client: httpx.AsyncClient, page: str, script: str
) -> None:
    answer = await client.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    # No URL with a scheme or a host anywhere in the page, in markup or in its script.
    assert "//" not in answer.text.replace("<!--", "").replace("-->", "")
    links = _links(answer.text)
    assert any(link.endswith(script) for link in links), links
    assert "/openapi.json" in answer.text
    for link in links:
        assert link.startswith("/"), link
        asset = await client.get(link)
        assert asset.status_code == 200, link
        suffix = link[link.rfind(".") :]
        expected = CONTENT_TYPES.get(suffix, "application/json")
        assert asset.headers["content-type"].startswith(expected), (link, asset.headers)
        assert len(asset.content) > 100, link


async def test_swagger_ui_script_is_the_real_bundle(client: httpx.AsyncClient) -> None:
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in script.text
    redoc = await client.get("/docs/assets/redoc.standalone.js")
    assert "Redoc" in redoc.text


async def test_swagger_ui_does_not_call_the_public_validator(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    assert '"validatorUrl": null' in page


async def test_an_asset_that_is_not_there_is_a_404_problem(client: httpx.AsyncClient) -> None:
    answer = await client.get("/docs/assets/nothing.js")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
