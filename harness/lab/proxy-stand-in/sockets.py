# The socket calls both proxies make and Node cannot: SO_ORIGINAL_DST on a redirected connection,
# SO_MARK on ztunnel's sockets, a bound source address for Envoy's inbound side, and a connect that
# gives up after the connect timeout.
import errno
import select
import socket
import struct
import time

SO_ORIGINAL_DST = 80  # linux include/uapi/linux/netfilter_ipv4.h
SO_MARK = 36  # linux include/uapi/asm-generic/socket.h


def original_destination(sock):
    """Where the app meant to connect before nat REDIRECT sent it here; the listener's own address
    when the connection was not redirected (istio/ztunnel src/socket.rs orig_dst_addr_or_default;
    Envoy's original_dst listener filter, envoyproxy/envoy
    source/extensions/filters/listener/original_dst/original_dst.cc)."""
    try:
        raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        port, packed = struct.unpack_from("!2xH4s", raw)
        return (socket.inet_ntoa(packed), port)
    except OSError:
        return sock.getsockname()


def listener(port, host="0.0.0.0", mark=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mark is not None:
        sock.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
    sock.bind((host, port))
    sock.listen(512)
    return sock


def peer_closed(sock, timeout=0.0):
    """The peer sent FIN or RST (checked without reading: data it sent stays unread)."""
    poller = select.poll()
    poller.register(sock, select.POLLRDHUP)
    for _fd, events in poller.poll(timeout * 1000):
        if events & (select.POLLRDHUP | select.POLLHUP | select.POLLERR):
            return True
    return False


def wait_readable(sock, timeout):
    """Waits until the peer sent something (or closed), without reading it."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLRDHUP)
    poller.poll(timeout * 1000)


_failures = {
    errno.ECONNREFUSED: "upstream-refused",
    errno.EHOSTUNREACH: "upstream-unreachable",
    errno.ENETUNREACH: "upstream-unreachable",
    errno.ETIMEDOUT: "upstream-timeout",
}


def connect(destination, timeout, mark=None, source=None, watch=None):
    """Opens the upstream connection within `timeout` seconds. Returns (socket or None, outcome, errno):
    outcome is "connected", "upstream-timeout", "upstream-refused", "upstream-unreachable",
    "upstream-error", or "downstream-closed" when `watch` (the downstream socket) closes first."""
    up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if mark is not None:
            up.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
        if source is not None:
            up.bind((source, 0))
        up.setblocking(False)
        code = up.connect_ex(destination)
        if code not in (0, errno.EINPROGRESS):
            up.close()
            return None, _failures.get(code, "upstream-error"), code
        poller = select.poll()
        poller.register(up, select.POLLOUT)
        if watch is not None:
            poller.register(watch, select.POLLRDHUP)
        until = time.monotonic() + timeout
        while True:
            remaining = until - time.monotonic()
            if remaining <= 0:
                up.close()
                return None, "upstream-timeout", errno.ETIMEDOUT
            for fd, events in poller.poll(remaining * 1000):
                if watch is not None and fd == watch.fileno():
                    if events & (select.POLLRDHUP | select.POLLHUP | select.POLLERR):
                        up.close()
                        return None, "downstream-closed", None
                    continue
                code = up.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0:
                    up.setblocking(True)
                    return up, "connected", None
                up.close()
                return None, _failures.get(code, "upstream-error"), code
    except OSError as error:
        up.close()
        return None, "upstream-error", error.errno
