#!/usr/bin/env python3
"""wait_connect.py PORT [SECONDS]: run under withsctp, connects to
127.0.0.1:PORT (and closes at once) until it succeeds, so a test knows an
emulated listener is up; exits 1 after SECONDS (default 10).  Only for
servers that survive an empty connection."""
import socket
import sys
import time

port = int(sys.argv[1])
deadline = time.monotonic() + float(sys.argv[2] if len(sys.argv) > 2 else 10)
last = None
while time.monotonic() < deadline:
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.close()
        sys.exit(0)
    except OSError as e:
        last = e
        s.close()
        time.sleep(0.1)
print("nothing accepts on port %d: %s" % (port, last), file=sys.stderr)
sys.exit(1)
