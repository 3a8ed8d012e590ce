"""Registers the lab's service users, the 'service' role and the catalog in Keystone (stdlib only, one process).

The admin and the service password come on stdin, one per line: never as arguments, which any local user sees in ps.
"""
import json
import sys
import urllib.request

KEYSTONE = "http://127.0.0.1:5000/v3"
ADMIN_PASSWORD, SERVICE_PASSWORD = (sys.stdin.readline().strip() for _ in range(2))
if not ADMIN_PASSWORD or not SERVICE_PASSWORD:
    sys.exit("register.py: expected the admin and the service password on stdin, one per line")
SERVICES = [  # name, type, url
    ("glance", "image", "http://127.0.0.1:9292"),
    ("placement", "placement", "http://127.0.0.1:8778"),
    ("nova", "compute", "http://127.0.0.1:8774/v2.1"),
    ("neutron", "network", "http://127.0.0.1:9696"),
    ("cinder", "volumev3", "http://127.0.0.1:8776/v3/%(project_id)s"),
]


def call(method, path, body=None, token=None):
    request = urllib.request.Request(KEYSTONE + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", **({"X-Auth-Token": token} if token else {})})
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return response.headers, (json.loads(text) if text else {})


headers, _ = call("POST", "/auth/tokens", {"auth": {
    "identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}}},
    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
token = headers["X-Subject-Token"]


def find_or_create(collection, name, body):
    found = call("GET", f"/{collection}?name={name}", token=token)[1][collection]
    return found[0] if found else call("POST", f"/{collection}", {collection[:-1]: body}, token=token)[1][collection[:-1]]


service_project = find_or_create("projects", "service", {"name": "service", "domain_id": "default"})
roles = {n: find_or_create("roles", n, {"name": n}) for n in ("admin", "service")}
for name, kind, url in SERVICES:
    user = find_or_create("users", name, {"name": name, "domain_id": "default", "password": SERVICE_PASSWORD})
    for role in roles.values():
        call("PUT", f"/projects/{service_project['id']}/users/{user['id']}/roles/{role['id']}", token=token)
    service = find_or_create("services", name, {"name": name, "type": kind})
    if not call("GET", f"/endpoints?service_id={service['id']}", token=token)[1]["endpoints"]:
        for interface in ("public", "internal", "admin"):
            call("POST", "/endpoints", {"endpoint": {"service_id": service["id"], "interface": interface, "url": url,
                                                     "region_id": "RegionOne"}}, token=token)
print("catalog registered")
