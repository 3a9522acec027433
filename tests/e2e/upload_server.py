#!/usr/bin/env python3
"""upload_server.py PORT DIR: an HTTP/1.1 server on 127.0.0.1:PORT whose PUT
streams the request body (Content-Length bytes) to DIR/<name> and answers
with the body's SHA-256 and length ("sha256=HEX bytes=N").  Prints
"listening on PORT" once it listens.  For tests/bats/withsctp.bats."""
import hashlib
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "-1"))
        if length < 0:
            self.send_error(411, "Content-Length required")
            return
        name = os.path.basename(self.path) or "upload"
        h = hashlib.sha256()
        left = length
        with open(os.path.join(self.server.dir, name), "wb") as f:
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                h.update(chunk)
                f.write(chunk)
                left -= len(chunk)
        if left:
            self.send_error(400, "short body: %d bytes missing" % left)
            return
        body = ("sha256=%s bytes=%d\n" % (h.hexdigest(), length)).encode()
        self.send_response(201)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("upload: " + (fmt % args) + "\n")


def main():
    port, d = int(sys.argv[1]), sys.argv[2]
    srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
    srv.dir = d
    print("listening on %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
