"""POST /api/v1/compare, in process, with the stand-in model."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from tests.web.fakes import SAMPLE  # noqa: E402
from unspin.web.app import Settings, create_app  # noqa: E402

NEUTRAL = "The council met on Tuesday and approved the budget for next year by seven votes to two."


@pytest.fixture
def client(fake_analyze) -> TestClient:
    with TestClient(create_app(Settings(), analyze=fake_analyze)) as c:
        yield c


def test_compare_json(client: TestClient) -> None:
    r = client.post("/api/v1/compare", json={"a": SAMPLE, "b": NEUTRAL})
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) == {"a", "b", "comparison"}
    assert d["a"]["text"] == SAMPLE and d["b"]["text"] == NEUTRAL
    for side in ("a", "b"):
        for s in d[side]["spans"]:
            assert d[side]["text"][s["start"] : s["end"]] == s["text"]
    c = d["comparison"]
    assert c["names"] == {"a": "A", "b": "B"}
    assert c["b"]["passages"] == 0 and c["a"]["passages"] == 5  # crossing spans are two passages
    rows = {row["technique"]: row for row in c["techniques"]}
    assert rows["Loaded_Language"]["a"]["passages"] == 2 and rows["Loaded_Language"]["b"]["passages"] == 0
    assert "only A uses" in c["sentence"]


def test_compare_multipart_files_and_text(client: TestClient) -> None:
    page = f"<html><head><title>t</title></head><body><article><p>{SAMPLE}</p><p>More words here for the extractor to keep.</p></article></body></html>"
    r = client.post(
        "/api/v1/compare",
        files={"a": ("left.html", page.encode(), "text/html")},
        data={"b": NEUTRAL, "language": "en"},
    )
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["comparison"]["names"] == {"a": "left.html", "b": "B"}
    assert "<article>" not in d["a"]["text"] and "thugs" in d["a"]["text"]
    assert d["a"]["spans"]


@pytest.mark.parametrize(
    "body, status, needle",
    [
        ({"a": SAMPLE}, 422, "b"),
        ({"a": "   ", "b": NEUTRAL}, 422, "empty"),
        ({"a": SAMPLE, "b": NEUTRAL, "extra": 1}, 422, "extra"),
    ],
)
def test_compare_errors_are_one_line(client: TestClient, body, status: int, needle: str) -> None:
    r = client.post("/api/v1/compare", json=body)
    assert r.status_code == status
    assert needle in r.json()["error"] and "\n" not in r.json()["error"]


def test_compare_form_without_b_and_wrong_type(client: TestClient) -> None:
    r = client.post("/api/v1/compare", data={"a": SAMPLE})
    assert r.status_code == 422 and "`b`" in r.json()["error"]
    r = client.post("/api/v1/compare", content=b"x", headers={"content-type": "text/csv"})
    assert r.status_code == 415


def test_compare_is_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/compare" in schema["paths"]
    assert "CompareRequest" in schema["components"]["schemas"]


def test_compare_form_texts_read_as_the_json_texts(client: TestClient) -> None:
    """The page's compare mode sends both pasted texts as form fields, which a browser sends with
    CRLF line breaks; they read as the texts pasted (as JSON sends them), not 1 character longer a line."""
    a, b = f"Title\n\n{SAMPLE}\n", f"{NEUTRAL}\nA second paragraph.\n"
    as_json = client.post("/api/v1/compare", json={"a": a, "b": b}).json()
    # Fields without a file name, in a multipart body (as FormData sends them).
    fields = {"a": (None, a.replace("\n", "\r\n")), "b": (None, b.replace("\n", "\r\n"))}
    as_form = client.post("/api/v1/compare", files=fields).json()
    assert as_json["a"]["text"] == as_form["a"]["text"] == a and as_form["b"]["text"] == b
    assert as_form["comparison"] == as_json["comparison"]
