# expect: ok
# The test listens on a unix socket path and an abstract name (stdin lines
# 2 and 3); neither exists in the box's mount and network namespaces.
import socket, sys
_, path, abstract, _ = sys.stdin.read().split("\n", 3)
for addr in [path, "\0" + abstract, "/run/postgresql/.s.PGSQL.5432"]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(addr)
        print("ESCAPED connected", repr(addr))
    except OSError as e:
        print("contained", repr(addr), e.strerror)
