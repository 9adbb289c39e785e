if ($input_str === "err")
    throw new InvalidArgumentException("bad input: $input_str");
while ($input_str === "loop") {}
return (string) ((int) $input_str ** 2);
