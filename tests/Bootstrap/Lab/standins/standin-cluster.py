#!/usr/bin/env python3
"""The cluster's shared state for the lab's stand-ins: what the API server and etcd would hold.

It lives in /var/lib/standin-cluster, one directory bind-mounted into every lab node. The kubeadm stand-in writes it
(init, token create, join, reset on the control plane); the kubectl stand-in reads it. The checks follow what the real
components do, so a configuration a real cluster would reject fails here as well:

  apiserver                   the control plane endpoint; present once `kubeadm init` got the API server up
  ca.crt                      the cluster CA
  authentication-config.yaml  the AuthenticationConfiguration the API server loaded (anonymous access rules)
  tokens/<id>                 bootstrap tokens (secret and expiry)
  nodes/<name>                registered nodes
"""
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import string
import sys
import time

import yaml

STATE = os.environ.get("STANDIN_CLUSTER", "/var/lib/standin-cluster")
# What token discovery (and the cluster-info refresh of file discovery) reads, before the node has credentials.
CLUSTER_INFO = "/api/v1/namespaces/kube-public/configmaps/cluster-info"


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def state(*parts):
    return os.path.join(STATE, *parts)


def documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]


def of_kind(docs, kind):
    return next((d for d in docs if d.get("kind") == kind), None)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def api_up():
    return os.path.exists(state("apiserver"))


def endpoint():
    return read(state("apiserver")).strip()


def ttl_seconds(ttl):
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", ttl)
    if not ttl or not m:
        fail(f"invalid duration '{ttl}'")
    h, mi, s = (int(g or 0) for g in m.groups())
    return h * 3600 + mi * 60 + s


def add_token(token, ttl):
    token_id, secret = token.split(".", 1)
    write(state("tokens", token_id), json.dumps({"secret": secret, "expires": time.time() + ttl_seconds(ttl)}))


def token_valid(token):
    m = re.fullmatch(r"([a-z0-9]{6})\.([a-z0-9]{16})", token or "")
    if not m or not os.path.exists(state("tokens", m.group(1))):
        return False
    record = json.loads(read(state("tokens", m.group(1))))
    return record["secret"] == m.group(2) and record["expires"] > time.time()


def anonymous_allows(path):
    """Whether the API server lets an unauthenticated request to `path` through (else it answers 401)."""
    config = state("authentication-config.yaml")
    if not os.path.exists(config):
        return True  # kube-apiserver's default: --anonymous-auth=true
    anonymous = (yaml.safe_load(read(config)) or {}).get("anonymous")
    if anonymous is None:
        return True
    if not anonymous.get("enabled"):
        return False
    conditions = anonymous.get("conditions") or []
    return not conditions or any(c.get("path") == path for c in conditions)


def init_up(config):
    """The end of a successful `kubeadm init`: the API server answers and holds what init uploaded."""
    docs = documents(config)
    cluster, init = of_kind(docs, "ClusterConfiguration") or {}, of_kind(docs, "InitConfiguration") or {}
    local = init.get("localAPIEndpoint") or {}
    write(state("apiserver"), (cluster.get("controlPlaneEndpoint") or f"{local.get('advertiseAddress')}:{local.get('bindPort', 6443)}") + "\n")
    shutil.copyfile("/etc/kubernetes/pki/ca.crt", state("ca.crt"))
    args = {a["name"]: a["value"] for a in ((cluster.get("apiServer") or {}).get("extraArgs") or [])}
    if "authentication-config" in args:
        shutil.copyfile(args["authentication-config"], state("authentication-config.yaml"))
    for token in init.get("bootstrapTokens") or []:
        add_token(token["token"], token.get("ttl", "24h0m0s"))
    register((init.get("nodeRegistration") or {}).get("name") or socket.gethostname())


def reset():
    """`kubeadm reset` on the control plane removes the local etcd: the whole cluster state is gone."""
    for entry in os.listdir(STATE):
        path = state(entry)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def token_create(ttl):
    if not api_up():
        fail("failed to create or update bootstrap token: the connection to the API server was refused")
    alphabet = string.ascii_lowercase + string.digits
    token = "".join(secrets.choice(alphabet) for _ in range(6)) + "." + "".join(secrets.choice(alphabet) for _ in range(16))
    add_token(token, ttl)
    print(token)


def register(name):
    write(state("nodes", name), time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))


def discovery(config):
    """Discovery and TLS bootstrap as `kubeadm join` does them; prints the node name on success."""
    join = of_kind(documents(config), "JoinConfiguration")
    if join is None:
        fail(f"no JoinConfiguration in {config}")
    d = join.get("discovery") or {}
    token_discovery, file_discovery = d.get("bootstrapToken"), d.get("file")
    if bool(token_discovery) == bool(file_discovery):
        fail("discovery: Invalid value: exactly one of bootstrapToken or file must be set")
    if not api_up():
        fail("[discovery] the connection to the API server was refused")
    if token_discovery:
        if token_discovery.get("apiServerEndpoint") != endpoint():
            fail(f"[discovery] Failed to request cluster-info: dial tcp {token_discovery.get('apiServerEndpoint')}: connection refused")
        # Token discovery reads cluster-info before it trusts the API server, so it has no credentials yet.
        if not anonymous_allows(CLUSTER_INFO):
            fail("[discovery] Failed to request cluster-info, will try again: Unauthorized\n"
                 "error execution phase preflight: couldn't validate the identity of the API Server: Unauthorized "
                 f"(the API server does not allow anonymous requests to {CLUSTER_INFO})")
        if not token_valid(token_discovery.get("token")):
            fail("[discovery] token id is invalid for this cluster or it has expired")
        pin = "sha256:" + hashlib.sha256(read(state("ca.crt"), "rb")).hexdigest()
        if not token_discovery.get("unsafeSkipCAVerification") and pin not in (token_discovery.get("caCertHashes") or []):
            fail("[discovery] cluster CA found in cluster-info ConfigMap is invalid: none of the public keys are pinned")
        tls_token = d.get("tlsBootstrapToken") or token_discovery.get("token")
    else:
        path = file_discovery.get("kubeConfigPath", "")
        if not os.path.isfile(path):
            fail(f"[discovery] open {path}: no such file or directory")
        kubeconfig = yaml.safe_load(read(path)) or {}
        contexts = {c["name"]: c.get("context") or {} for c in kubeconfig.get("contexts") or []}
        context = contexts.get(kubeconfig.get("current-context"), {})
        clusters = {c["name"]: c.get("cluster") or {} for c in kubeconfig.get("clusters") or []}
        cluster = clusters.get(context.get("cluster")) or next(iter(clusters.values()), {})
        if cluster.get("server") != f"https://{endpoint()}":
            fail(f"[discovery] {path}: server '{cluster.get('server')}' does not answer: connection refused")
        try:
            ca = base64.b64decode(cluster.get("certificate-authority-data", ""), validate=True)
        except ValueError:
            ca = b""
        if ca != read(state("ca.crt"), "rb"):
            fail("[discovery] tls: failed to verify certificate: x509: certificate signed by unknown authority")
        users = {u["name"]: u.get("user") or {} for u in kubeconfig.get("users") or []}
        file_token = users.get(context.get("user"), {}).get("token")
        # kubeadm refreshes cluster-info with the file's credentials. A valid bootstrap token gets 403 (no RBAC on
        # cluster-info), which kubeadm accepts; no credentials is an anonymous request: 401 unless allowed, and a 401
        # is retried until the discovery timeout.
        if file_token and not token_valid(file_token):
            fail("[discovery] Error reading the cluster-info ConfigMap, will try again: Unauthorized\n"
                 "Abort reading the cluster-info ConfigMap after timeout: Unauthorized (the token in the discovery file is not valid)")
        if not file_token and not anonymous_allows(CLUSTER_INFO):
            fail("[discovery] Error reading the cluster-info ConfigMap, will try again: Unauthorized\n"
                 "Abort reading the cluster-info ConfigMap after timeout: Unauthorized "
                 f"(the discovery file has no credentials and the API server does not allow anonymous requests to {CLUSTER_INFO})")
        tls_token = d.get("tlsBootstrapToken") or file_token
        if not tls_token:
            fail("couldn't validate the identity of the API Server: could not find authentication credentials for the TLS bootstrap process")
    if not token_valid(tls_token):
        fail("[kubelet-start] TLS bootstrap failed: Unauthorized (the bootstrap token is not valid)")
    print((join.get("nodeRegistration") or {}).get("name") or socket.gethostname())


def main(argv):
    commands = {
        "init-up": lambda: init_up(argv[2]),
        "reset": reset,
        "endpoint": lambda: print(endpoint()),
        "token-create": lambda: token_create(argv[2]),
        "discovery": lambda: discovery(argv[2]),
    }
    if len(argv) < 2 or argv[1] not in commands:
        fail(f"usage: standin-cluster.py {'|'.join(commands)} [argument]")
    os.makedirs(STATE, exist_ok=True)
    commands[argv[1]]()


if __name__ == "__main__":
    main(sys.argv)
