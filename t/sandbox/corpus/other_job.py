# expect: ok
# Another slot's job dir (the test writes a secret there) is not mounted.
import os
for p in ["/var/lib/coderun/box/slot-0", "/var/lib/coderun", "/box/../slot-0"]:
    try:
        print("ESCAPED", p, os.listdir(p) if os.path.isdir(p) else open(p).read())
    except OSError as e:
        print("contained", p, e.strerror)
print("work dir:", sorted(os.listdir("/box")))
