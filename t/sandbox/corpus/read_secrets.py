# expect: ok
# Host secrets must be absent or unreadable.
import sys
canary = sys.stdin.read().split("\n")[3]
paths = [canary + "/canary", "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/root/.ssh/id_rsa",
         "/root/.bash_history", "/etc/ssl/private", "/proc/1/environ",
         "/etc/postgresql", "/var/lib/postgresql", "/work/main/Makefile"]
for p in paths:
    try:
        with open(p) as f:
            data = f.read()
        print("ESCAPED read", p, len(data))
    except OSError as e:
        print("contained", p, e.strerror)
with open("/etc/passwd") as f:
    users = [l.split(":")[0] for l in f]
print("passwd users", users)
if set(users) - {"root", "box"}:
    print("ESCAPED host passwd")
