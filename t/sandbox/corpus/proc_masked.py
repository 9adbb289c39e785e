# expect: ok
# stdout: masked
# /proc tells nothing of the host: its kernel command line, symbols, keys,
# timers and scheduler are masked, and mountinfo names no host path of the
# job dir (a tmpfs of its own) or the box's scratch root.
import re
leaks = []
for p in ("/proc/cmdline", "/proc/kallsyms", "/proc/keys", "/proc/timer_list",
          "/proc/sched_debug", "/proc/kcore"):
    try:
        with open(p, "rb") as f:
            if f.read(4096):
                leaks.append(p)
    except OSError:
        pass
with open("/proc/self/mountinfo") as f:
    for line in f:
        root = line.split()[3]
        if re.search(r"/box/slot-\d+|/box/\.root", root):
            leaks.append("mountinfo: " + root)
print("LEAKED " + ", ".join(leaks) if leaks else "masked")
