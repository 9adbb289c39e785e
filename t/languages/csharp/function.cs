if (input_str == "err")
    throw new ArgumentException("bad input: " + input_str);
while (input_str == "loop") {
}
long n = long.Parse(input_str);
return n * n;
