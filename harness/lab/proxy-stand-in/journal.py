# One JSON line per event on stdout, so the lab can tell whether a probe crossed this proxy and what the
# proxy did with it: "open" when a connection is accepted, "close" (the whole record) when it ends.
# Read by harness/lab/proxy-journal.ts. The first line of all is the ready line.
import json
import os
import sys
import threading
import time

_lock = threading.Lock()


def write(record):
    text = json.dumps(record, separators=(",", ":")) + "\n"
    with _lock:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass  # the lab went away; the proxy keeps proxying


class Flow:
    """One accepted connection: where it came from, where it was going, and what became of it."""

    def __init__(self, ident, name, direction, downstream, destination):
        self.ident = ident
        self.name = name
        self.direction = direction
        self.downstream = downstream
        self.destination = destination
        self.started = time.monotonic()
        self.protocol = None
        self.result = None
        self.status = None
        self.detail = None
        self.from_downstream = 0
        self.to_downstream = 0

    def _base(self, event):
        return {
            "journal": event,
            "standIn": self.name,
            "pid": os.getpid(),
            "id": self.ident,
            "direction": self.direction,
            "downstream": {"address": self.downstream[0], "port": self.downstream[1]},
            "destination": {"address": self.destination[0], "port": self.destination[1]},
        }

    def opened(self):
        write({**self._base("open"), "at": time.time() * 1000})

    def closed(self):
        record = self._base("close")
        record.update({
            "protocol": self.protocol or "tcp",
            "result": self.result or "downstream-closed",
            "bytes": {"fromDownstream": self.from_downstream, "toDownstream": self.to_downstream},
            "ms": round((time.monotonic() - self.started) * 1000, 1),
        })
        if self.status is not None:
            record["status"] = self.status
        if self.detail:
            record["detail"] = self.detail
        write(record)
