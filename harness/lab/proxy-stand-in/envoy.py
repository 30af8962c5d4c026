# Envoy as Istio's sidecar runs it, seen from the app: the outbound listener (15001) and the inbound one
# (15006) accept every redirected connection at once, then connect to the original destination, and
# what the app sees when that fails or a policy denies it is what Envoy does, not an answer of ours.
# The process runs as UID 1337, so its own connections leave uncaptured (-m owner --uid-owner 1337
# -j RETURN in the sidecar rules).
import os
import time

from http_replies import local_reply, read_head, sniff, upstream_failure_body, wants_close
from relay import relay
from sockets import connect

# Envoy's inbound side connects to the app from 127.0.0.6, which the sidecar rules let out
# (-o lo -s 127.0.0.6/32 -j RETURN): istio/istio pilot/pkg/networking/core/listener_address.go
# InboundPassthroughBindIpv4, cluster_builder.go buildInboundPassthroughCluster (UpstreamBindConfig).
INBOUND_SOURCE = "127.0.0.6"
# Envoy's retry back-off base interval is 25 ms (router: x-envoy-max-retries); jitter not modelled.
RETRY_BACK_OFF = 0.025
# The stand-in's own bounds (Envoy's are longer: tcp_proxy idle_timeout 1 h, no protocol-detection
# timeout): how long a silent client or an idle relay may hold a thread.
CLIENT_WAIT = 30.0
IDLE = 60.0

# source/common/http/utility.cc resetReasonToString, for the connect failures the router sees.
_reset_reasons = {
    "upstream-timeout": "connection timeout",
    "upstream-refused": "remote connection failure",
    "upstream-unreachable": "remote connection failure",
    "upstream-error": "local connection failure",
}


def serve(flow, down, policy, inbound):
    """One redirected connection. The port's declared protocol picks the filter chain; an undeclared
    port is sniffed (Istio's protocol detection)."""
    protocol = policy.protocol(flow.destination[1])
    if protocol == "sniff":
        protocol = sniff(down, CLIENT_WAIT)
        if protocol is None:
            flow.result = "downstream-closed"
            return
    flow.protocol = protocol
    if protocol == "http":
        _http(flow, down, policy, inbound)
    else:
        _tcp(flow, down, policy, inbound)


def _connect(flow, policy, inbound, down):
    # The downstream is watched for a close while connecting: Envoy cancels the pending upstream
    # connect when the app goes away (tcp_proxy.cc onDownstreamEvent).
    return connect(flow.destination, policy.connect_timeout, source=INBOUND_SOURCE if inbound else None, watch=down)


def _tcp(flow, down, policy, inbound):
    # tcp_proxy connects upstream as soon as the connection is accepted (onNewConnection) and keeps the
    # app's bytes unread until it is up (tcp_proxy.cc initialize: readDisable(true)).
    up, outcome, code = _connect(flow, policy, inbound, down)
    if up is None:
        # One attempt (Istio sets no max_connect_attempts; the default is 1), then onInitFailure closes
        # the app's connection with ConnectionCloseType::NoFlush (tcp_proxy.cc): a plain close() that
        # writes no byte. The kernel sends FIN, or RST when the app's bytes sit unread.
        flow.result = outcome
        flow.detail = os.strerror(code) if code else None
        return
    try:
        check = None
        if inbound:
            rule = policy.denies("inbound", flow.downstream, flow.destination)
            if rule:
                # The network RBAC filter (Istio's AuthorizationPolicy on a TCP port) decides when the
                # client's first bytes arrive (envoyproxy/envoy source/extensions/filters/network/rbac/
                # rbac_filter.cc onData) and closes with NoFlush. tcp_proxy has connected upstream
                # already (envoyproxy/envoy issue #9023): what a server says first reaches the client.
                def check():
                    return rule

        flow.result = relay(flow, down, up, IDLE, check)
    finally:
        up.close()


def _reply(flow, down, status, body, server, close):
    reply = local_reply(status, body, server, close)
    flow.status = status
    try:
        down.sendall(reply)
        flow.to_downstream += len(reply)
        if not close:
            _wait_for_client_close(down)
    except OSError:
        pass


def _wait_for_client_close(down):
    until = time.monotonic() + CLIENT_WAIT
    while time.monotonic() < until:
        down.settimeout(max(0.01, until - time.monotonic()))
        try:
            if not down.recv(65536):
                return
        except OSError:
            return


def _http(flow, down, policy, inbound):
    # The HTTP connection manager reads the request head before the router picks an upstream.
    head = read_head(down, CLIENT_WAIT)
    if head is None:
        flow.result = "downstream-closed"
        return
    flow.from_downstream = len(head)
    server = "istio-envoy" if inbound else "envoy"
    close = wants_close(head)
    if inbound and policy.denies("inbound", flow.downstream, flow.destination):
        # The HTTP RBAC filter: 403, body "RBAC: access denied" (envoyproxy/envoy
        # source/extensions/filters/http/rbac/rbac_filter.cc decodeHeaders).
        flow.result = "denied"
        _reply(flow, down, 403, "RBAC: access denied", server, close)
        return
    # Outbound routes retry connect failures (Istio's default retry policy); inbound ones do not.
    attempts = 1 if inbound else 1 + max(0, policy.http_retries)
    up, outcome, code, attempt = None, None, None, 0
    for attempt in range(attempts):
        if attempt:
            time.sleep(RETRY_BACK_OFF)
        up, outcome, code = _connect(flow, policy, inbound, down)
        if up is not None or outcome == "downstream-closed":
            break
    if up is None:
        flow.result = outcome
        if outcome != "downstream-closed":
            transport = "delayed connect error: %s" % os.strerror(code) if code and outcome != "upstream-timeout" else None
            body = upstream_failure_body(attempt > 0, _reset_reasons.get(outcome, "connection failure"), transport)
            flow.detail = body
            _reply(flow, down, 503, body, server, close)
        return
    try:
        up.sendall(head)
        flow.result = relay(flow, down, up, IDLE)
    finally:
        up.close()
