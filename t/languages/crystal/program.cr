text = STDIN.gets_to_end
raise ArgumentError.new("bad input: #{text}") if text == "err"
while text == "loop"
end
print "hello, #{text}"
