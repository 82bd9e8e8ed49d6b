"""The example nginx site (deploy/nginx): one host over TLS, the five services by path, the public page and
feeds cached and read-only, operations never published; and nginx itself accepts it when it is installed."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from services import NAMES

DEPLOY = Path(__file__).parents[2] / "deploy"
SITE = (DEPLOY / "nginx" / "neuguong.conf").read_text(encoding="utf-8")


def test_one_host_name_over_tls_and_plain_http_only_redirects():
    assert set(re.findall(r"server_name\s+([^;]+);", SITE)) == {"neuguong.laocai.gov.vn"}
    assert "listen 443 ssl" in SITE and "return 301 https://neuguong.laocai.gov.vn$request_uri;" in SITE
    assert "Strict-Transport-Security" in SITE


def test_every_service_is_reached_by_its_path_on_its_kubernetes_port():
    services = (DEPLOY / "k8s" / "services.yaml").read_text(encoding="utf-8")
    for name in NAMES:
        port = re.search(rf"name: {name}\n(?:.*\n){{0,6}}?\s+- {{name: http, port: (\d+)", services).group(1)
        assert f"upstream ng_{name} {{ server {name}:{port};" in re.sub(r" +", " ", SITE)
        assert f"location /api/{name}/ {{" in SITE and f"proxy_pass http://ng_{name}/;" in SITE


def test_the_public_outputs_are_read_only_cached_by_path_never_by_host():
    for prefix in ("/so-ghi-danh/", "/feeds/"):
        block = SITE.split(f"location {prefix} {{", 1)[1].split("}", 2)
        body = "}".join(block[:2])
        assert "limit_except GET { deny all; }" in body and "proxy_pass http://ng_notifications;" in body
        assert "proxy_cache_key $uri$is_args$args;" in body
    assert "$host" not in "".join(re.findall(r"proxy_cache_key[^;]*;", SITE))


def test_operations_are_never_published():
    assert re.search(r"location ~ \^/api/\[a-z\]\+/\(metrics\|docs\|redoc\|openapi\\\.json\)", SITE)
    assert "location / {\n        return 404;" in SITE
    assert "client_max_body_size 256k;" in SITE


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    subprocess.run(  # a throwaway certificate for the test only
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=neuguong",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = SITE.replace("/etc/ssl/neuguong", str(tmp_path)).replace("/var/cache/nginx/neuguong", str(tmp_path))
    site = re.sub(r"server (\w+):(\d+);", r"server 127.0.0.1:\2;", site)  # no cluster DNS here
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
