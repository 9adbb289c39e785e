if (input_str == "err")
    throw IllegalArgumentException("bad input: " + input_str)
while (input_str == "loop") {
}
val n = input_str.toLong()
return n * n
