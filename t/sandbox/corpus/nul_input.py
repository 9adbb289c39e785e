# expect: ok
# stdin: a\0b\0c
# stdout: 5 2
import sys
data = sys.stdin.buffer.read()
print(len(data), data.count(b"\0"))
