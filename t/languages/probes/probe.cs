using System;
using System.IO;
using System.Net.Sockets;

class Program
{
    static void Main()
    {
        int port = int.Parse(Console.ReadLine().Trim());
        string dir = Console.ReadLine().Trim();
        foreach (string path in new[] { dir + "/canary", "/etc/shadow", "/work/main/Makefile" }) {
            try {
                File.ReadAllText(path);
                Console.WriteLine("ESCAPED read " + path);
            } catch (Exception) {
                Console.WriteLine("contained read " + path);
            }
        }
        try {
            File.WriteAllText(dir + "/written", "x");
            Console.WriteLine("ESCAPED write");
        } catch (Exception) {
            Console.WriteLine("contained write");
        }
        try {
            new TcpClient("127.0.0.1", port).Close();
            Console.WriteLine("ESCAPED connect");
        } catch (Exception) {
            Console.WriteLine("contained connect");
        }
    }
}
