set text [read stdin]
if {$text eq "err"} {
    error "bad input: $text"
}
while {$text eq "loop"} {}
puts -nonewline "hello, $text"
