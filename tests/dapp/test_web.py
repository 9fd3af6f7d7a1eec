"""The static frontend served by Flask: pages, scripts (as JavaScript modules), styles, vendored libraries,
a strict Content-Security-Policy, 404 for unknown pages and for paths leaving the frontend's folders."""
from __future__ import annotations

import re

import pytest

from dapp_backend.blueprints.web import FRONTEND, content_security_policy

PAGES = sorted(path.stem for path in FRONTEND.glob("*.html"))  # every page: none may carry an inline script


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_the_pages_of_every_audience_exist():
    assert {"index", "member"} <= set(PAGES)


def test_home_is_index_html(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data() == (FRONTEND / "index.html").read_bytes()


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_served_with_their_module_and_no_inline_script(client, page):
    response = client.get(f"/{page}.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all(body == "" and ' src="/' in attributes for attributes, body in scripts)  # script-src 'self'
    assert (f' type="module" src="/js/pages/{page}.js"', "") in scripts
    assert " style=" not in html and "<style" not in html  # style-src 'self'
    assert client.get(f"/js/pages/{page}.js").status_code == 200


@pytest.mark.parametrize("path", ["/js/lib/api.js", "/js/lib/i18n.js", "/js/lib/wallet.js", "/js/lib/platform.js",
                                  "/js/lib/session.js", "/js/lib/tx.js", "/js/lib/errors.js", "/js/lib/layout.js",
                                  "/js/lib/units.js", "/js/actions/pay-service.js", "/js/pages/member.js"])
def test_scripts_are_javascript(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_styles_are_css(client):
    response = client.get("/css/app.css")
    assert response.status_code == 200 and response.mimetype == "text/css"


@pytest.mark.skipif(not (FRONTEND / "vendor" / "ethers.min.js").exists(), reason="make setup copies vendor/")
def test_vendored_libraries_are_served(client):
    ethers = client.get("/vendor/ethers.min.js")
    assert ethers.status_code == 200
    assert ethers.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert client.get("/vendor/chart.umd.min.js").status_code == 200


def test_content_security_policy_allows_only_this_server_and_the_rpc(client, app):
    from dapp_backend.context import lec
    from dapp_backend.services.platform import public_rpc_url

    with app.app_context():
        rpc = public_rpc_url(lec())
    origin = "/".join(rpc.split("/")[:3])
    for path in ("/", "/member.html", "/js/lib/api.js", "/api/platform"):
        directives = policy(client.get(path))
        assert directives["script-src"] == "'self'"
        assert directives["default-src"] == "'self'"
        assert directives["connect-src"] == f"'self' {origin}"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in str(directives) and "unsafe-eval" not in str(directives)


def test_content_security_policy_without_a_usable_rpc_url_is_self_only():
    assert "connect-src 'self';" in content_security_policy(None)
    assert "connect-src 'self';" in content_security_policy("ipc:///tmp/geth.ipc")
    assert "connect-src 'self' https://rpc.example.org;" in content_security_policy("https://rpc.example.org/x?y=1")


@pytest.mark.parametrize("path", ["/nothing.html", "/Member.html", "/js/lib/nothing.js", "/css/none.css",
                                  "/vendor/none.js"])
def test_unknown_files_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/js/../index.html", "/js/..%2f..%2fpyproject.toml", "/js/%2e%2e/%2e%2e/README.md",
                                  "/css/../../dapp_backend/app.py", "/vendor/..%2F..%2Fdapp_backend%2Fconfig.py",
                                  "/..%2fpyproject.toml.html", "/js//etc/passwd", "/js/%2fetc%2fpasswd"])
def test_paths_leaving_the_frontend_are_refused(client, path):
    response = client.get(path, follow_redirects=True)  # "//" is merged by a redirect first
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "[project]" not in body and "create_app" not in body and "root:" not in body


def test_api_404_stays_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.is_json
