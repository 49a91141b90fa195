"""Swagger UI, ReDoc and GraphiQL load with their assets from the gateway alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ombuds import system
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_the_combined_document(watched: Callable[..., Any]) -> None:
    seen = watched("/docs")
    seen.wait_for(".opblock-tag")
    seen.screenshot("docs-swagger-ui", full_page=False)
    seen.assert_clean()
    assert seen.page.locator(".opblock-tag").count() >= 3  # the services' route groups
    assert seen.page.locator(".opblock").count() > 0


def test_redoc_renders_the_combined_document(watched: Callable[..., Any]) -> None:
    seen = watched("/redoc")
    seen.wait_for("[data-section-id]")
    seen.screenshot("docs-redoc", full_page=False)
    seen.assert_clean()
    assert seen.page.locator("[data-section-id]").count() > 50


def test_graphiql_loads_without_a_token_and_queries_with_a_pasted_one(
    running_system: system.System, watched: Callable[..., Any]
) -> None:
    seen = watched("/graphql")  # a page load sends no bearer token
    page = seen.page
    seen.wait_for(".graphiql-container")
    # Without a token the schema fetch is refused (401): the queries still need one.
    refused = [f for f in seen.failed if "/graphql 401" in f]
    assert refused
    seen.failed.clear()
    seen.console_errors.clear()
    token = dev_token(running_system.data_dir, role="chief", office="new-york")
    page.fill("#token", token)
    page.press("#token", "Enter")
    seen.wait_for(".graphiql-container")
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    editor.click()
    page.evaluate(
        "() => document.querySelector('.graphiql-query-editor .CodeMirror')"
        ".CodeMirror.setValue('{ __typename }')"
    )
    with page.expect_response(lambda r: r.url.endswith("/graphql") and r.status == 200):
        page.click(".graphiql-execute-button")
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response')"
        " && document.querySelector('.graphiql-response').innerText.includes('Query')"
    )
    # The query ran, and nothing of it (nor of the token) was kept in the browser's storage.
    kept = page.evaluate(
        "() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert kept == "{}{}", kept
    seen.screenshot("docs-graphiql")
    seen.assert_clean()
