"""Security headers on every response, frame-ancestors by route, and the health endpoint."""
from __future__ import annotations

from dashboards import create_app


def test_every_response_carries_the_security_headers_and_only_embeds_may_be_framed(bundled_db):
    client = create_app(bundled_db).server.test_client()
    for path in ("/", "/api/v1/measures.json", "/_dash-layout", "/no-such-page"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "default-src 'self'" in policy, path
        assert "object-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors *" in client.get("/embed/compare").headers["Content-Security-Policy"]


def test_health_reports_the_build_serving(bundled_db):
    body = create_app(bundled_db).server.test_client().get("/health").get_json()
    assert body["status"] == "ok" and len(body["build_id"]) == 16
    # The bundled files: the report's figures and the national personal budget and investment figures.
    assert body["periods"] == ["2000-01", "2007-08", "2009-10", "2010-11", "2011-12", "2012-13"]
    assert body["sources"] == 4


def test_health_says_unavailable_without_a_database(tmp_path):
    response = create_app(tmp_path / "missing.duckdb").server.test_client().get("/health")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"
