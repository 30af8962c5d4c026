# Byte-for-byte relay between the app's connection and the upstream one, with half-close: an end of
# stream on one side becomes a FIN (shutdown SHUT_WR) on the other, and the relay ends when both ends
# are done, as Envoy's tcp_proxy does with half-close enabled (envoyproxy/envoy
# source/common/tcp_proxy/tcp_proxy.cc, `enableHalfClose(true)`) and ztunnel's copy_bidirectional
# does (istio/ztunnel src/copy.rs: `shutdown` of the writer once its reader ends). A reset on either
# side ends both.
import select
import socket
import time


def relay(flow, down, up, idle, first_downstream_bytes=None):
    """Relays until both directions ended, a side reset, or `idle` seconds passed with no byte.
    `first_downstream_bytes()` runs before the app's first bytes go upstream; if it returns a truthy
    value (a DENY rule), the relay stops without forwarding them. Returns "relayed" or "denied"."""
    down.settimeout(idle)
    up.settimeout(idle)
    ends = {down.fileno(): (down, up), up.fileno(): (up, down)}
    poller = select.poll()
    for fd in ends:
        poller.register(fd, select.POLLIN)
    last = time.monotonic()
    while ends:
        events = poller.poll(500)
        if not events:
            if time.monotonic() - last > idle:
                flow.detail = "idle timeout"
                return "relayed"
            continue
        last = time.monotonic()
        for fd, _events in events:
            if fd not in ends:
                continue
            source, sink = ends[fd]
            try:
                data = source.recv(65536)
            except OSError as error:
                flow.detail = "%s reset (%s)" % ("downstream" if source is down else "upstream", error.strerror)
                return "relayed"
            if not data:
                try:
                    sink.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                poller.unregister(fd)
                del ends[fd]
                continue
            if source is down and first_downstream_bytes is not None:
                check, first_downstream_bytes = first_downstream_bytes, None
                if check():
                    return "denied"
            try:
                sink.sendall(data)
            except OSError as error:
                flow.detail = "%s gone (%s)" % ("upstream" if sink is up else "downstream", error.strerror)
                return "relayed"
            if source is down:
                flow.from_downstream += len(data)
            else:
                flow.to_downstream += len(data)
    return "relayed"
