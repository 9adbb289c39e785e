fun main() {
    val text = generateSequence(::readLine).joinToString("\n")
    if (text == "err")
        throw IllegalArgumentException("bad input: " + text)
    while (text == "loop") {
    }
    print("hello, " + text)
}
