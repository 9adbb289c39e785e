# expect: security_violation
# reason: socket
import socket
socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
print("ESCAPED netlink socket")
