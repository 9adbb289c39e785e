# expect: ok
# Symlinks and /proc/*/root cannot lead back to the host.
import os, sys
canary = sys.stdin.read().split("\n")[3]
tries = {"/box/l_shadow": "/etc/shadow", "/box/l_canary": canary + "/canary",
         "/tmp/l_root": "/proc/1/root/etc/shadow", "/box/l_up": "../../../../etc/shadow"}
for link, target in tries.items():
    try:
        os.symlink(target, link)
        with open(link) as f:
            print("ESCAPED via", link, f.read()[:20])
    except OSError as e:
        print("contained", link, e.strerror)
for p in ["/proc/1/root/etc/shadow", "/proc/self/root/etc/shadow", "/proc/1/cwd", "/proc/1/exe"]:
    try:
        print("ESCAPED", p, os.listdir(p) if os.path.isdir(p) else open(p, "rb").read()[:20])
    except OSError as e:
        print("contained", p, e.strerror)
print("pids visible:", sorted(int(d) for d in os.listdir("/proc") if d.isdigit()))
