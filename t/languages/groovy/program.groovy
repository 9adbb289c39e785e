def text = System.in.text
if (text == "err")
    throw new IllegalArgumentException("bad input: " + text)
while (text == "loop") {
}
print "hello, " + text
