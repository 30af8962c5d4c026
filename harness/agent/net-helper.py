# gauntlet agent's network helper: the socket kinds Node.js does not offer. Node has no AF_INET
# SOCK_RAW, no AF_PACKET and no SO_MARK, so the agent runs this program (Python 3 standard library
# only; the probe image has python3) for raw-syn, packet-syn, spoof-source, icmp, sctp, ip-protocol,
# the so-mark prelude and `agent serve --ip-protocol/--sctp` listeners.
# Usage: python3 -c "$SOURCE" '<json request>'; prints one JSON result line on stdout.
# It is embedded in dist/agent.mjs by scripts/build-agent.mjs.
import errno
import json
import os
import random
import select
import socket
import struct
import sys
import threading
import time

SO_MARK = 36  # linux include/uapi/asm-generic/socket.h
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4  # linux include/uapi/linux/if_packet.h
IP_RECVERR = 11  # linux include/uapi/linux/in.h
IPPROTO_SCTP = 132


class Failed(Exception):
    def __init__(self, outcome, err, step, message=""):
        super().__init__(message)
        self.result = {"outcome": outcome, "errno": err, "step": step, "message": message}


def errno_name(error):
    code = getattr(error, "errno", None)
    if code is None:
        return "EUNKNOWN"
    return errno.errorcode.get(code, "E%d" % code)


def privileged(step, fn):
    """Runs a step that needs a capability; EPERM/EACCES become prelude-failed, not a crash."""
    try:
        return fn()
    except OSError as error:
        raise Failed("prelude-failed", errno_name(error), step, str(error))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ip_header(source, destination, protocol, payload_length):
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + payload_length, random.randint(1, 0xFFFF), 0x4000, 64,
        protocol, 0, socket.inet_aton(source), socket.inet_aton(destination))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:]


def tcp_syn(source, destination, sport, dport, sequence):
    header = struct.pack("!HHIIBBHHH", sport, dport, sequence, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!BBH", 0, 6, len(header))
    return header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]


def udp_datagram(source, destination, sport, dport, payload):
    length = 8 + len(payload)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    pseudo = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!BBH", 0, 17, length)
    value = checksum(pseudo + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", value) + payload


def local_source(host, port):
    """The address the kernel would send from towards host (a UDP connect sends nothing)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((host, port))
        return probe.getsockname()[0]
    finally:
        probe.close()


def flags_text(flags):
    names = [(0x02, "SYN"), (0x10, "ACK"), (0x04, "RST"), (0x01, "FIN")]
    return "+".join(name for bit, name in names if flags & bit) or hex(flags)


def parse_tcp_reply(packet, host, port, sport):
    """Matches an IPv4 packet answering our SYN: from host:port to our source port."""
    if len(packet) < 40 or packet[0] >> 4 != 4 or packet[9] != 6:
        return None
    ihl = (packet[0] & 0x0F) * 4
    if socket.inet_ntoa(packet[12:16]) != host:
        return None
    src_port, dst_port = struct.unpack("!HH", packet[ihl:ihl + 4])
    if src_port != port or dst_port != sport:
        return None
    return {"ttl": packet[8], "flags": packet[ihl + 13]}


def syn_outcome(reply, interface):
    flags = reply["flags"]
    # A RST answering our SYN is a closed port (or a REJECT --reject-with tcp-reset): what connect()
    # reports as ECONNREFUSED, not a connection that was reset after it opened.
    outcome = "connected" if flags & 0x12 == 0x12 else ("refused" if flags & 0x04 else "error")
    return {"outcome": outcome, "evidence": {"replyInterface": interface, "replyTtl": reply["ttl"],
                                             "replyFlags": flags_text(flags)}}


def remaining(deadline):
    return max(0.0, deadline - time.monotonic())


def arrivals(sock, deadline):
    """Every datagram or frame `sock` receives before the deadline, as (data, address); the loop
    that reads them ends at the deadline (the caller then reports a timeout)."""
    while True:
        left = remaining(deadline)
        if left <= 0:
            return
        ready, _, _ = select.select([sock], [], [], left)
        if ready:
            yield sock.recvfrom(65535)


def raw_syn(request, forged_source=None):
    """A hand-built SYN on an AF_INET raw socket. It still passes the pod's netfilter LOCAL_OUT
    (linux net/ipv4/raw.c raw_send_hdrinc: NF_HOOK(NFPROTO_IPV4, NF_INET_LOCAL_OUT, ...)), so
    nat REDIRECT applies; the reply's interface (lo or eth0) tells who answered."""
    host, port = request["host"], request["port"]
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    sender = privileged("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)",
                        lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
    # The answer is read on a packet socket (also CAP_NET_RAW), whose address names the interface the
    # reply really came in on: IP_PKTINFO on a raw socket reports eth0 even for a reply looped over lo.
    receiver = privileged("socket(AF_PACKET, SOCK_DGRAM)",
                          lambda: socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP)))
    source = forged_source or local_source(host, port)
    sport = random.randint(20000, 60000)
    segment = tcp_syn(source, host, sport, port, random.randint(0, 0xFFFFFFFF))
    privileged("sendto(raw SYN)", lambda: sender.sendto(ip_header(source, host, 6, len(segment)) + segment, (host, 0)))
    if forged_source:
        # The answer goes to the forged address: nothing comes back here unless it routes to us.
        deadline = min(deadline, time.monotonic() + 0.5)
    for packet, address in arrivals(receiver, deadline):
        if address[2] == PACKET_OUTGOING:
            continue
        reply = parse_tcp_reply(packet, host, port, sport)
        if reply is None:
            continue
        interface = address[0]
        return syn_outcome(reply, interface)
    result = {"outcome": "timeout", "evidence": {}}
    if forged_source:
        result["evidence"]["blind"] = True
    return result


def route_to(host):
    """Longest-prefix match in /proc/net/route: (interface, next hop)."""
    target = struct.unpack("<I", socket.inet_aton(host))[0]
    best = None
    with open("/proc/net/route") as table:
        next(table)
        for line in table:
            fields = line.split()
            interface, destination, gateway, mask = fields[0], int(fields[1], 16), int(fields[2], 16), int(fields[7], 16)
            if target & mask == destination and (best is None or bin(mask).count("1") > best[0]):
                best = (bin(mask).count("1"), interface, gateway)
    if best is None:
        raise Failed("unreachable", "ENETUNREACH", "route lookup", "no route to " + host)
    next_hop = socket.inet_ntoa(struct.pack("<I", best[2])) if best[2] else host
    return best[1], next_hop


def neighbour_mac(interface, address):
    with open("/proc/net/arp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[0] == address and fields[5] == interface and fields[3] != "00:00:00:00:00:00":
                return fields[3]
    return None


def resolve_mac(interface, address, deadline):
    mac = neighbour_mac(interface, address)
    if mac:
        return mac
    # Make the kernel resolve the neighbour: one datagram to the discard port of the next hop.
    nudge = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        nudge.sendto(b"gauntlet-arp", (address, 9))
    except OSError:
        pass
    finally:
        nudge.close()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        mac = neighbour_mac(interface, address)
        if mac:
            return mac
    raise Failed("unreachable", "EHOSTUNREACH", "resolve next-hop MAC", "no ARP answer from " + address)


def packet_syn(request):
    """A hand-built Ethernet frame on an AF_PACKET socket: it leaves through the device queue and
    skips the pod's netfilter hooks entirely (linux net/packet/af_packet.c packet_snd ->
    packet_xmit -> dev_queue_xmit), yet still crosses the node side of the veth."""
    host, port = request["host"], request["port"]
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    interface, next_hop = route_to(host)
    sock = privileged("socket(AF_PACKET, SOCK_RAW)",
                      lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP)))
    sock.bind((interface, ETH_P_IP))
    with open("/sys/class/net/%s/address" % interface) as f:
        own_mac = f.read().strip()
    peer_mac = resolve_mac(interface, next_hop, deadline)
    source = local_source(host, port)
    sport = random.randint(20000, 60000)
    segment = tcp_syn(source, host, sport, port, random.randint(0, 0xFFFFFFFF))
    frame = (bytes.fromhex(peer_mac.replace(":", "")) + bytes.fromhex(own_mac.replace(":", ""))
             + struct.pack("!H", ETH_P_IP) + ip_header(source, host, 6, len(segment)) + segment)
    privileged("send(AF_PACKET frame)", lambda: sock.send(frame))
    for data, address in arrivals(sock, deadline):
        if address[2] == PACKET_OUTGOING:
            continue
        reply = parse_tcp_reply(data[14:], host, port, sport)
        if reply is not None:
            return syn_outcome(reply, interface)
    return {"outcome": "timeout", "evidence": {}}


def spoof_udp(request):
    """A UDP datagram from a forged source to a gauntlet UDP echo, which reports the peer it saw
    to our real address (replyTo), so a forged packet that arrives is seen, not guessed."""
    host, port, forged = request["host"], request["port"], request["spoof"]["source"]
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    sender = privileged("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)",
                        lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
    real = local_source(host, port)
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind((real, 0))
    payload = json.dumps({"gauntlet": "spoof", "id": request["id"],
                          "replyTo": {"address": real, "port": listener.getsockname()[1]}}).encode()
    datagram = udp_datagram(forged, host, random.randint(20000, 60000), port, payload)
    privileged("sendto(forged UDP)", lambda: sender.sendto(ip_header(forged, host, 17, len(datagram)) + datagram, (host, 0)))
    for data, _ in arrivals(listener, deadline):
        try:
            echo = json.loads(data.decode())
        except ValueError:
            continue
        return {"outcome": "connected", "evidence": {"echo": echo}}
    return {"outcome": "timeout", "evidence": {}}


def marked_socket(kind, mark):
    sock = socket.socket(socket.AF_INET, kind)
    # SO_MARK needs CAP_NET_RAW or CAP_NET_ADMIN (linux net/core/sock.c, sock_set_mark).
    privileged("setsockopt(SO_MARK=%s)" % hex(mark), lambda: sock.setsockopt(socket.SOL_SOCKET, SO_MARK, mark))
    return sock


def connect_error(error, step):
    name = errno_name(error)
    # ENOPROTOOPT: an ICMP protocol-unreachable (linux net/ipv4/icmp.c icmp_err_convert): nothing takes that protocol.
    outcome = {"ECONNREFUSED": "refused", "ENOPROTOOPT": "refused", "ECONNRESET": "reset", "EHOSTUNREACH": "unreachable",
               "ENETUNREACH": "unreachable", "ETIMEDOUT": "timeout"}.get(name, "error")
    return {"outcome": outcome, "errno": name, "step": step, "message": str(error)}


def stream_exchange(sock, request, deadline, send, until_line):
    """Connects a stream socket (TCP, SCTP) before the deadline, writes `send`, and reads until a
    line arrives (until_line), the peer closes, or the deadline passes. Returns the exchange, or how
    the connect or the first read failed: one loop for every stream this helper speaks."""
    started = time.monotonic()
    sock.settimeout(max(0.05, remaining(deadline)))
    try:
        sock.connect((request["host"], request["port"]))
    except socket.timeout:
        return {"outcome": "timeout"}
    except OSError as error:
        return connect_error(error, "connect")
    connect_ms = (time.monotonic() - started) * 1000.0
    received = b""
    closed = False
    try:
        if send:
            sock.sendall(send)
        while remaining(deadline) > 0 and not (until_line and b"\n" in received):
            sock.settimeout(remaining(deadline))
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            received += chunk
    except socket.timeout:
        pass
    except OSError as error:
        if not received:
            result = connect_error(error, "read")
            result["connectMs"] = connect_ms
            return result
    sock.close()
    return {"outcome": "connected", "connectMs": connect_ms, "received": received, "closed": closed}


def marked_stream(request):
    """A TCP exchange on a socket carrying SO_MARK (ambient's ztunnel mark skips the in-pod redirect)."""
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    sock = marked_socket(socket.SOCK_STREAM, request["mark"])
    send = request["send"].encode() if request.get("send") else b""
    result = stream_exchange(sock, request, deadline, send, request.get("until") == "line")
    if "received" not in result:
        return result
    return {"outcome": "connected", "connectMs": result["connectMs"],
            "data": result["received"].decode("utf-8", "replace"), "closed": result["closed"]}


def marked_datagram(request):
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    sock = marked_socket(socket.SOCK_DGRAM, request["mark"])
    try:
        sock.connect((request["host"], request["port"]))
        sock.send(request.get("send", "").encode())
        while remaining(deadline) > 0:
            sock.settimeout(remaining(deadline))
            data = sock.recv(65536)
            return {"outcome": "connected", "data": data.decode("utf-8", "replace")}
    except socket.timeout:
        pass
    except OSError as error:
        return connect_error(error, "udp")
    return {"outcome": "timeout"}


def icmp_socket():
    """An ICMP socket: first a ping socket (SOCK_DGRAM, IPPROTO_ICMP), which Linux grants without any
    capability to a process whose group is inside net.ipv4.ping_group_range (man 7 icmp, "ping_group_range";
    linux net/ipv4/ping.c ping_init_sock; containerd sets the range to all groups in pods, its
    enable_unprivileged_icmp default), then a raw ICMP socket, which needs CAP_NET_RAW (man 7 raw).
    Neither: the pod lacks the privilege, prelude-failed EACCES/EPERM (blocked by capability)."""
    try:
        return socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP), "ping"
    except OSError as ping_error:
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), "raw"
        except OSError as error:
            raise Failed("prelude-failed", errno_name(error), "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)",
                         "no ping socket (%s: group outside net.ipv4.ping_group_range) and no raw socket (%s)"
                         % (errno_name(ping_error), error))


def icmp_echo(request):
    """An ICMP echo request; reached only on the echo reply whose source is the destination itself.
    Istio's capture rules match `-p tcp` (and ambient's also UDP/53): ICMP leaves untouched."""
    host = request["host"]
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    sock, kind = icmp_socket()
    ident = random.randint(1, 0xFFFF)
    payload = ("gauntlet-" + request["id"]).encode()[:64]
    header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    packet = header[:2] + struct.pack("!H", checksum(header + payload)) + header[4:] + payload
    try:
        sock.sendto(packet, (host, 0))
    except OSError as error:
        return connect_error(error, "sendto(ICMP echo request)")
    for data, address in arrivals(sock, deadline):
        ttl = None
        if kind == "raw":
            # A raw ICMP socket reads the IP header too; a ping socket only the ICMP message (its id
            # is the socket's own, chosen by the kernel, and only its replies arrive).
            if len(data) < 28:
                continue
            ttl = data[8]
            data = data[(data[0] & 0x0F) * 4:]
        if len(data) < 8 or address[0] != host:
            continue
        kind_of, code = data[0], data[1]
        if kind_of != 0 or data[8:] != payload:
            continue
        if kind == "raw" and struct.unpack("!H", data[4:6])[0] != ident:
            continue
        icmp = {"type": kind_of, "code": code, "from": address[0], "socket": kind}
        if ttl is not None:
            icmp["ttl"] = ttl
        return {"outcome": "connected", "evidence": {"icmp": icmp}}
    return {"outcome": "timeout", "evidence": {}}


def raw_protocol_socket(protocol):
    sock = privileged("socket(AF_INET, SOCK_RAW, %d)" % protocol,
                      lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, protocol))
    # ICMP errors (protocol unreachable: nothing takes that protocol there) come back as recv errors.
    sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    return sock


def ip_probe(request):
    """A raw IP packet of protocol N (253 and 254 are for experiments, RFC 3692) to a gauntlet listener
    (`agent serve --ip-protocol N`), which answers with its identity and the source it saw. The
    capture rules match TCP only, so nothing redirects it; only the node can drop it."""
    host, protocol = request["host"], request["ipProtocol"]
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    sock = raw_protocol_socket(protocol)
    payload = json.dumps({"gauntlet": "ip-probe", "id": request["id"]}).encode()
    try:
        sock.sendto(payload, (host, 0))
    except OSError as error:
        return connect_error(error, "sendto(IP protocol %d)" % protocol)
    try:
        for data, address in arrivals(sock, deadline):
            if address[0] != host or len(data) < 20:
                continue
            try:
                echo = json.loads(data[(data[0] & 0x0F) * 4:].decode())
            except ValueError:
                continue
            if not isinstance(echo, dict) or echo.get("service") != "gauntlet-echo" or echo.get("id") != request["id"]:
                continue
            return {"outcome": "connected",
                    "evidence": {"echo": echo, "sourceSeen": echo.get("peer", {}).get("address"), "replyTtl": data[8]}}
    except OSError as error:
        return connect_error(error, "recv(IP protocol %d)" % protocol)
    return {"outcome": "timeout", "evidence": {}}


def ip_serve(request):
    """`agent serve --ip-protocol N`: a raw socket of protocol N answers each gauntlet probe with an
    echo report (who it is, the source it saw). Runs until killed; prints one line once listening."""
    protocol, name = request["ipProtocol"], request["name"]
    sock = raw_protocol_socket(protocol)
    sys.stdout.write(json.dumps({"listening": "ip-protocol", "protocol": protocol}) + "\n")
    sys.stdout.flush()
    while True:
        try:
            data, address = sock.recvfrom(65535)
        except OSError:
            continue
        if len(data) < 20:
            continue
        try:
            asked = json.loads(data[(data[0] & 0x0F) * 4:].decode())
        except ValueError:
            continue
        if not isinstance(asked, dict) or asked.get("gauntlet") != "ip-probe":
            continue
        report = {"service": "gauntlet-echo", "kind": "ip-protocol", "name": name, "protocol": protocol,
                  "id": asked.get("id"), "peer": {"address": address[0], "port": 0},
                  "local": {"address": socket.inet_ntoa(data[16:20]), "port": 0}}
        try:
            sock.sendto(json.dumps(report).encode(), (address[0], 0))
        except OSError:
            pass


def sctp_socket():
    try:
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
    except OSError as error:
        if error.errno in (errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT, errno.EAFNOSUPPORT):
            raise Failed("error", errno_name(error), "socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)",
                         "this kernel has no SCTP (the sctp module is not loaded): the probe cannot run here")
        raise


def sctp_probe(request):
    """An SCTP association (the kernel's INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK) to a gauntlet SCTP
    echo (`agent serve --sctp PORT`), then a line it echoes with its identity. Needs the kernel's sctp
    module on both ends; without it the probe reports an error (a harness fault), never a verdict."""
    deadline = time.monotonic() + request["timeoutMs"] / 1000.0
    result = stream_exchange(sctp_socket(), request, deadline, ("gauntlet-" + request["id"] + "\n").encode(), True)
    if "received" not in result:
        return result
    received, connect_ms = result["received"], result["connectMs"]
    try:
        echo = json.loads(received.decode("utf-8", "replace").split("\n")[0])
    except ValueError:
        echo = None
    evidence = {"sctp": {"association": True}}
    if isinstance(echo, dict) and echo.get("service") == "gauntlet-echo":
        # No "exchanged": the SCTP echo answers with its report, it does not repeat our line.
        evidence.update({"echo": echo, "sourceSeen": echo.get("peer", {}).get("address")})
    elif received:
        evidence["body"] = received.decode("utf-8", "replace")[:200]
    else:
        evidence["silent"] = True
    return {"outcome": "connected", "connectMs": connect_ms, "evidence": evidence}


def sctp_serve(request):
    """`agent serve --sctp PORT`: an SCTP echo (kernel sctp module needed) that answers each line with
    its identity and the peer it saw."""
    server = sctp_socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((request.get("host", "0.0.0.0"), request["port"]))
    server.listen(64)
    sys.stdout.write(json.dumps({"listening": "sctp", "port": request["port"]}) + "\n")
    sys.stdout.flush()

    def answer(connection, peer):
        try:
            connection.settimeout(5)
            connection.recv(65536)
            local = connection.getsockname()
            report = {"service": "gauntlet-echo", "kind": "sctp", "name": request["name"],
                      "peer": {"address": peer[0], "port": peer[1]}, "local": {"address": local[0], "port": local[1]}}
            connection.sendall((json.dumps(report) + "\n").encode())
        except OSError:
            pass
        finally:
            connection.close()

    while True:
        try:
            connection, peer = server.accept()
        except OSError:
            # A transient failure (EMFILE, ECONNABORTED) must not end the echo; do not spin on it.
            time.sleep(0.1)
            continue
        # One thread per association: a client that never speaks holds only its own 5 s.
        threading.Thread(target=answer, args=(connection, peer), daemon=True).start()


OPERATIONS = {
    "raw-syn": raw_syn,
    "spoof-tcp": lambda request: raw_syn(request, request["spoof"]["source"]),
    "spoof-udp": spoof_udp,
    "packet-syn": packet_syn,
    "mark-stream": marked_stream,
    "mark-datagram": marked_datagram,
    "icmp-echo": icmp_echo,
    "ip-probe": ip_probe,
    "ip-serve": ip_serve,
    "sctp": sctp_probe,
    "sctp-serve": sctp_serve,
}


def main():
    request = json.loads(sys.argv[1])
    try:
        result = OPERATIONS[request["op"]](request)
    except Failed as failure:
        result = failure.result
    except OSError as error:
        result = {"outcome": "error", "errno": errno_name(error), "step": request["op"], "message": str(error)}
    result["uid"] = os.geteuid()
    sys.stdout.write(json.dumps(result) + "\n")


main()
