object Main {
  def main(args: Array[String]): Unit = {
    val text = scala.io.Source.stdin.mkString
    if (text == "err")
      throw new IllegalArgumentException("bad input: " + text)
    while (text == "loop") {}
    print("hello, " + text)
  }
}
