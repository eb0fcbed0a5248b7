"""The OpenRefine reconciliation service, driven with the requests OpenRefine sends."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient


def test_manifest(web_client: FlaskClient) -> None:
    manifest = web_client.get("/reconcile").get_json()
    assert manifest["identifierSpace"] == "https://w3id.org/minegraph/id/"
    assert {t["name"] for t in manifest["defaultTypes"]} == {"Place", "Incident"}
    assert manifest["view"]["url"] == "http://localhost/id/{{id}}"
    assert manifest["preview"]["url"].endswith("/reconcile/preview?id={{id}}")
    assert manifest["suggest"]["entity"]["service_path"] == "/reconcile/suggest/entity"


def test_manifest_as_jsonp_and_hostile_callback(web_client: FlaskClient) -> None:
    response = web_client.get("/reconcile?callback=jsonp123")
    assert response.mimetype == "application/javascript"
    body = response.get_data(as_text=True)
    assert body.startswith("/**/jsonp123(") and body.endswith(");")
    assert web_client.get("/reconcile?callback=alert(1)//").status_code == 400


def _batch(web_client: FlaskClient, queries: dict[str, object]) -> dict[str, object]:
    # OpenRefine POSTs the batch form-encoded.
    response = web_client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("name", ["Djebrail", "Cəbrayıl", "Jabrayil district"])
def test_place_variants_match_with_certainty(web_client: FlaskClient, name: str) -> None:
    answer = _batch(web_client, {"q0": {"query": name, "type": "https://w3id.org/minegraph/def/Place", "limit": 3}})
    best = answer["q0"]["result"][0]  # type: ignore[index]
    assert best["name"] == "Jabrayil District" and best["match"] is True and best["score"] == 100
    assert best["id"].startswith("place/")


def test_batch_with_properties_and_types(web_client: FlaskClient) -> None:
    answer = _batch(web_client, {
        "q0": {"query": "Agdam", "type": "Place", "properties": [{"pid": "country", "v": "AZ"}]},
        "q1": {"query": "Xyzzy nowhere", "type": "Place"},
        "q2": {"query": "border service soldier Jabrayil", "type": "Incident", "limit": 1},
    })
    assert answer["q0"]["result"][0]["name"] == "Aghdam District"  # type: ignore[index]
    assert answer["q1"]["result"] == []  # type: ignore[index]
    incidents = answer["q2"]["result"]  # type: ignore[index]
    assert len(incidents) == 1 and incidents[0]["type"][0]["name"] == "Incident"


def test_bad_batches_are_400(web_client: FlaskClient) -> None:
    assert web_client.post("/reconcile", data={"queries": "{not json"}).status_code == 400
    assert web_client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": ""}})}).status_code == 400
    assert web_client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "x", "limit": 999}})}
                       ).status_code == 400
    assert web_client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "x", "type": "Cat"}})}
                       ).status_code == 400


def test_suggest_and_preview(web_client: FlaskClient) -> None:
    suggested = web_client.get("/reconcile/suggest/entity?prefix=Aghd").get_json()["result"]
    assert suggested[0]["name"] == "Aghdam District"
    preview = web_client.get(f"/reconcile/preview?id={suggested[0]['id']}")
    assert preview.status_code == 200 and "Aghdam District" in preview.get_data(as_text=True)
    assert web_client.get("/reconcile/preview?id=place/../../etc").status_code == 400
    types = web_client.get("/reconcile/suggest/type?prefix=inc").get_json()["result"]
    assert types == [{"id": "https://w3id.org/minegraph/def/Incident", "name": "Incident"}]
