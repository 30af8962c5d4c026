# The lab's stand-in for a pod's mesh proxy: Envoy as Istio's sidecar (--mode sidecar, run as UID 1337)
# or ztunnel in ambient in-pod mode (--mode ambient, run as root). It accepts what the pod's real
# capture rules redirect to it, recovers the original destination, and forwards the way the real proxy
# does (envoy.py, ztunnel.py), under the policy in --policy (policy.py), writing one journal line per
# event on stdout (journal.py). Python 3 standard library only: Node can neither read SO_ORIGINAL_DST
# nor set SO_MARK. Started and restarted by harness/lab/supervisor.ts; one process per pod.
#   python3 stand_in.py --mode sidecar|ambient --name POD --policy FILE
import argparse
import itertools
import os
import sys
import threading
import time

import admin
import envoy
import journal
import ztunnel
from policy import PolicyFile
from sockets import listener, original_destination

# Envoy: Istio's virtualOutbound (15001), virtualInbound (15006) and admin (15000) listeners.
# ztunnel in-pod: outbound 15001 (istio/ztunnel src/config.rs); its inbound listeners (15006
# plaintext, 15008 HBONE) and DNS (15053) are not modelled, no lab case reaches an ambient pod.
OUTBOUND, INBOUND, ADMIN = 15001, 15006, 15000
# At most this many connections at once; the next one is closed at accept.
MAX_CONNECTIONS = 256


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["sidecar", "ambient"], required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--policy", required=True)
    args = parser.parse_args()
    policies = PolicyFile(args.policy)
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    ids = itertools.count(1)
    try:
        if args.mode == "sidecar":
            listeners = {OUTBOUND: ("outbound", listener(OUTBOUND)), INBOUND: ("inbound", listener(INBOUND))}
            admin.start(ADMIN)
        else:
            listeners = {OUTBOUND: ("outbound", listener(OUTBOUND, mark=ztunnel.MARK))}
    except OSError as error:
        # A port already taken (an attacker holds 15001 after quitquitquit): exit, the supervisor retries.
        sys.stderr.write("stand-in cannot listen: %s\n" % error)
        return 1

    def handle(sock, direction, downstream):
        try:
            destination = original_destination(sock)
            flow = journal.Flow(next(ids), args.name, direction, downstream, destination)
            flow.opened()
            try:
                if destination[1] in listeners and destination == sock.getsockname():
                    # Not redirected: a direct call to the proxy's own port. Istio answers it with a
                    # blackhole chain (istio/istio pilot/pkg/networking/core/listener_builder.go
                    # blackholeFilterChain), ztunnel drops it (src/proxy/outbound.rs illegal_call).
                    flow.result = "self-call"
                elif args.mode == "sidecar":
                    envoy.serve(flow, sock, policies.current(), direction == "inbound")
                else:
                    ztunnel.serve(flow, sock, policies.current())
            except OSError as error:
                flow.detail = str(error)
            finally:
                flow.closed()
        finally:
            sock.close()
            slots.release()

    def accept_loop(port):
        direction, server = listeners[port]
        while True:
            try:
                sock, peer = server.accept()
            except OSError:
                # EMFILE and the like last a while: wait instead of spinning on accept().
                time.sleep(0.05)
                continue
            if not slots.acquire(blocking=False):
                sock.close()
                continue
            threading.Thread(target=handle, args=(sock, direction, peer), daemon=True).start()

    for port in listeners:
        threading.Thread(target=accept_loop, args=(port,), daemon=True).start()
    ports = sorted(listeners) + ([ADMIN] if args.mode == "sidecar" else [])
    journal.write({"standIn": True, "mode": args.mode, "name": args.name, "pid": os.getpid(), "ports": ports})
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
