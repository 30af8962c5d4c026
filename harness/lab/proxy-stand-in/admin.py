# Envoy's admin endpoint as Istio binds it in the pod (127.0.0.1:15000): GET /ready answers LIVE, and
# POST /quitquitquit stops the proxy, with no credentials (envoyproxy/envoy
# docs/root/operations/admin.rst). The lab's supervisor starts it again, as kubelet restarts a
# container; meanwhile an attacker may take port 15001.
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server_version = "envoy"
    sys_version = ""

    def log_message(self, *_args):
        pass

    def _answer(self, status, text):
        body = text.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain; charset=UTF-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        if self.path == "/ready":
            self._answer(200, "LIVE\n")
        else:
            self._answer(404, "invalid path\n")

    def do_POST(self):
        if self.path == "/quitquitquit":
            self._answer(200, "OK\n")
            # Gone at once, listeners and open connections with it, so the port is free to take.
            threading.Timer(0.02, os._exit, args=(0,)).start()
        else:
            self._answer(404, "invalid path\n")


def start(port):
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
