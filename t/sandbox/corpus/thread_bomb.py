# expect: runtime_error
# Python raises RuntimeError("can't start new thread") at the pids limit.
import threading, time
while True:
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
