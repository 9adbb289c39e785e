import * as fs from "fs";

const text: string = fs.readFileSync(0, "utf8");
if (text === "err")
    throw new RangeError("bad input: " + text);
while (text === "loop") {}
process.stdout.write(`hello, ${text}`);
