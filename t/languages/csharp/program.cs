using System;

class Program
{
    static void Main()
    {
        string text = Console.In.ReadToEnd();
        if (text == "err")
            throw new ArgumentException("bad input: " + text);
        while (text == "loop") {
        }
        Console.Write("hello, " + text);
    }
}
