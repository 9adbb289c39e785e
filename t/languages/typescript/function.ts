if (input_str === "err")
    throw new RangeError("bad input: " + input_str);
while (input_str === "loop") {}
const n = Number(input_str);
return String(n * n);
