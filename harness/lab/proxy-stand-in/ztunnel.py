# ztunnel in ambient in-pod mode, seen from the app: its outbound listener (15001, in the pod's network
# namespace) accepts every redirected connection, recovers the original destination, then connects
# with its sockets marked 0x539 so the in-pod rules let them out. ztunnel is L4 only: with no waypoint
# it never answers HTTP itself; every failure ends the app's connection without a byte.
import os

from relay import relay
from sockets import connect, wait_readable

# istio/ztunnel src/config.rs DEFAULT_INPOD_MARK (1337 = 0x539); src/inpod/config.rs InPodSocketFactory
# sets it on every socket it creates in the pod (listeners and upstream connections alike).
MARK = 0x539
# The lab carries no HBONE: a deny is decided by the destination's ztunnel, one CONNECT round trip
# after the accept; the stand-in waits that long (or until the app speaks) before dropping.
CONNECT_ROUND_TRIP = 0.05
# The stand-in's own bound on an idle relay (ztunnel has none of its own besides TCP keepalives).
IDLE = 60.0


def serve(flow, down, policy):
    flow.protocol = "tcp"
    if policy.denies("outbound", flow.downstream, flow.destination):
        # The destination's ztunnel checks its AuthorizationPolicy before it connects to the app
        # (istio/ztunnel src/proxy/inbound.rs: assert_rbac, then 401 to the HBONE CONNECT), and the
        # source ztunnel ends the app's connection by dropping it (src/proxy/outbound.rs
        # proxy_to_hbone: the error ends the task with the TcpStream unread). No SO_LINGER anywhere in
        # ztunnel's source: close() sends FIN, or RST when the app's bytes sit unread, the "connection
        # reset by peer" Istio's ambient tests expect of a TCP client that speaks first
        # (istio/istio tests/integration/ambient/baseline_test.go CheckDeny).
        wait_readable(down, CONNECT_ROUND_TRIP)
        flow.result = "denied"
        return
    # A destination outside the mesh gets plain TCP from the pod's own address (src/proxy/outbound.rs
    # proxy_to_tcp -> src/proxy.rs freebind_connect with no source), bounded by CONNECTION_TIMEOUT
    # (10 s, src/proxy.rs). The connect is awaited whatever the app does meanwhile, and on failure the
    # app's connection is dropped the same way as a deny.
    up, outcome, code = connect(flow.destination, policy.connect_timeout, mark=MARK)
    if up is None:
        flow.result = outcome
        flow.detail = os.strerror(code) if code else None
        return
    try:
        flow.result = relay(flow, down, up, IDLE)
    finally:
        up.close()
