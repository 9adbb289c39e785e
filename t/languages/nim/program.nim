let text = stdin.readAll()
if text == "err":
  raise newException(ValueError, "bad input: " & text)
while text == "loop":
  discard
stdout.write("hello, " & text)
