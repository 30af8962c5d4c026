# Envoy's HTTP side, as far as the probes can see it: recognising an HTTP/1 request in the first bytes
# (http_inspector), reading a request head, and the local replies Envoy writes itself.
import re
import socket
import time
from email.utils import formatdate

_request_line = re.compile(rb"^([A-Z]{1,20}) (\S+) HTTP/1\.[01]\r\n")
_method_prefix = re.compile(rb"^[A-Z]{0,20}$")
HEAD_LIMIT = 64 * 1024


def first_bytes_protocol(peeked):
    """What the first bytes are: "http" once they are an HTTP/1 request line, "tcp" once they cannot
    become one, None while they still could."""
    if _request_line.match(peeked):
        return "http"
    word, _space, _rest = peeked.partition(b" ")
    if b"\r\n" in peeked or not _method_prefix.match(word) or len(peeked) >= 4096:
        return "tcp"
    return None


def sniff(sock, timeout):
    """Peeks (never reads) at the app's first bytes, as Envoy's http_inspector listener filter does
    (envoyproxy/envoy source/extensions/filters/listener/http_inspector/http_inspector.cc), to choose
    the HTTP or the TCP filter chain. Istio sets no detection timeout by default
    (istio/istio pkg/config/mesh/mesh.go DefaultMeshConfig: ProtocolDetectionTimeout 0), so it waits
    for the client to speak; `timeout` is the stand-in's own bound. Returns "http", "tcp", or None
    when the client closed or said nothing."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            peeked = sock.recv(4096, socket.MSG_PEEK)
        except OSError:
            return None
        if not peeked:
            return None
        protocol = first_bytes_protocol(peeked)
        if protocol:
            return protocol
        time.sleep(0.005)
    return None


def read_head(sock, timeout):
    """Reads the request head (and whatever followed it in the same reads). None if the client
    closed or did not finish its head in time."""
    data = b""
    until = time.monotonic() + timeout
    while b"\r\n\r\n" not in data:
        if len(data) > HEAD_LIMIT or time.monotonic() > until:
            return None
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, OSError):
            return None
        if not chunk:
            return None
        data += chunk
    return data


def request_line(head):
    match = _request_line.match(head)
    return (match.group(1).decode(), match.group(2).decode()) if match else (None, None)


def wants_close(head):
    """The client said `connection: close`: Envoy's connection manager answers with `connection: close`
    and closes after the response (envoyproxy/envoy source/common/http/conn_manager_impl.cc,
    saw_connection_close_)."""
    headers = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
    return any(line.lower().replace(b" ", b"") == b"connection:close" for line in headers)


_reasons = {403: "Forbidden", 503: "Service Unavailable"}


def local_reply(status, body, server, close):
    """A reply Envoy writes itself (Http::Utility::sendLocalReply, envoyproxy/envoy
    source/common/http/utility.cc): the body as text/plain, and the `server` header Istio configures
    (istio/istio pilot/pkg/networking/util/proxy_headers.go: "istio-envoy" on inbound, Envoy's default
    "envoy" on outbound)."""
    payload = body.encode()
    lines = [
        "HTTP/1.1 %d %s" % (status, _reasons.get(status, "")),
        "content-length: %d" % len(payload),
        "content-type: text/plain",
        "date: %s" % formatdate(usegmt=True),
        "server: %s" % server,
    ]
    if close:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def upstream_failure_body(retried, reset_reason, transport_reason=None):
    """The 503 body of Envoy's router when no upstream connection could be had (envoyproxy/envoy
    source/common/router/router.cc Filter::onUpstreamReset; reset reasons from
    source/common/http/utility.cc resetReasonToString: "connection timeout", "remote connection
    failure")."""
    text = "upstream connect error or disconnect/reset before headers. "
    if retried:
        text += "retried and the latest "
    text += "reset reason: " + reset_reason
    if transport_reason:
        text += ", transport failure reason: " + transport_reason
    return text
