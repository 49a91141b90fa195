"""P3, no recordings: no route takes a file, so no audio or video can ever be stored."""

from __future__ import annotations

from .cases_helpers import assigned_case, handler
from .conftest import Stack


async def test_no_route_takes_anything_but_json(stack: Stack) -> None:
    document = (await stack.gateway.get("/openapi.json")).json()
    media_types = {
        (method.upper(), path, media)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for media in operation.get("requestBody", {}).get("content", {})
    }
    assert media_types, "the document describes request bodies"
    assert {media for _, _, media in media_types} == {"application/json"}


async def test_an_audio_or_video_upload_is_refused(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    for content_type in ("audio/mpeg", "video/mp4", "multipart/form-data; boundary=x"):
        sent = await stack.gateway.post(
            f"/v1/cases/{case_id}/notes",
            content=b"ID3\x04\x00\x00\x00\x00\x00\x00 recorded interview",
            headers={**me, "Content-Type": content_type},
        )
        assert sent.status_code in (415, 422), (content_type, sent.status_code, sent.text)
        assert sent.headers["content-type"] == "application/problem+json"
    notes = await stack.gateway.get(f"/v1/cases/{case_id}/notes", headers=me)
    assert notes.status_code == 200
    assert notes.json() == []  # nothing of the uploads was kept
