int main () {
    var text = new StringBuilder ();
    int c;
    while ((c = stdin.getc ()) != FileStream.EOF)
        text.append_c ((char) c);
    if (text.str == "err") {
        stderr.printf ("bad input: %s\n", text.str);
        return 3;
    }
    while (text.str == "loop") {
    }
    stdout.printf ("hello, %s", text.str);
    return 0;
}
