BEGIN { RS = "^$" }
{ text = $0 }
END {
    if (text == "err") {
        print "bad input: " text > "/dev/stderr"
        exit 3
    }
    while (text == "loop") {}
    printf "hello, %s", text
}
