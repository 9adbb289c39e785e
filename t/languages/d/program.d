import std.stdio;
import std.algorithm : joiner;
import std.array : array;

void main()
{
    auto text = cast(string) stdin.byChunk(4096).joiner.array;
    if (text == "err")
        throw new Exception("bad input: " ~ text);
    while (text == "loop") {
    }
    write("hello, ", text);
}
