text = $stdin.read
raise ArgumentError, "bad input: #{text}" if text == "err"
loop {} if text == "loop"
print "hello, #{text}"
