# What the control plane tells the proxy, as a JSON file the lab rewrites while the proxy runs: it
# stands in for istiod pushing config (the mesh connectTimeout, the protocol of each Service port, an
# AuthorizationPolicy). Reread whenever the file changes, so a lab case can set it and undo it.
# The lab writes it atomically (a rename), so a read never sees half a file.
import json
import os
import sys
import threading

# istio/istio pkg/config/mesh/mesh.go DefaultMeshConfig: ConnectTimeout 10 s. ztunnel has the same
# bound, hard-coded: istio/ztunnel src/proxy.rs CONNECTION_TIMEOUT (freebind_connect).
DEFAULT_CONNECT_TIMEOUT_MS = 10_000
# istio/istio pilot/pkg/networking/core/route/retry/retry.go: outbound HTTP routes retry 2 times on
# "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes".
DEFAULT_HTTP_RETRIES = 2


class Policy:
    def __init__(self, data):
        self.connect_timeout = float(data.get("connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS)) / 1000
        self.http_retries = int(data.get("httpRetries", DEFAULT_HTTP_RETRIES))
        # Service port protocols (a port named tcp-*/http-* or appProtocol): "tcp" or "http". Any other
        # port is sniffed, as Istio does for undeclared ports.
        self.ports = {int(port): protocol for port, protocol in data.get("ports", {}).items()}
        # DENY rules: {"direction": "inbound"|"outbound", "port"?: N, "source"?: IP, "destination"?: IP}
        self.deny = list(data.get("deny", []))

    def protocol(self, port):
        return self.ports.get(port, "sniff")

    def denies(self, direction, source, destination):
        """The first DENY rule that matches this flow, or None."""
        for rule in self.deny:
            if rule.get("direction") != direction:
                continue
            if "port" in rule and rule["port"] != destination[1]:
                continue
            if "source" in rule and rule["source"] != source[0]:
                continue
            if "destination" in rule and rule["destination"] != destination[0]:
                continue
            return rule
        return None


class PolicyFile:
    """The policy at `path`, reloaded when the file is replaced; a bad file keeps the last good one."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.policy = Policy({})
        self.current()

    def current(self):
        with self.lock:
            try:
                info = os.stat(self.path)
            except OSError:
                return self.policy
            stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
            if stamp != self.stamp:
                try:
                    with open(self.path, encoding="utf-8") as handle:
                        self.policy = Policy(json.load(handle))
                    self.stamp = stamp
                except (OSError, ValueError, TypeError, AttributeError) as error:
                    sys.stderr.write("policy %s unreadable, keeping the last one: %s\n" % (self.path, error))
            return self.policy
