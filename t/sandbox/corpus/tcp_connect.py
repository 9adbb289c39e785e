# expect: ok
# The test listens on a host loopback port (first stdin line); the box has
# its own empty network namespace and internet sockets are refused.
import socket, sys
port = int(sys.stdin.readline())
try:
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    print("ESCAPED connected")
except OSError as e:
    print("contained", e)
