package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Scan()
	port := in.Text()
	in.Scan()
	dir := in.Text()
	for _, path := range []string{dir + "/canary", "/etc/shadow", "/work/main/Makefile"} {
		if _, err := os.ReadFile(path); err == nil {
			fmt.Println("ESCAPED read", path)
		} else {
			fmt.Println("contained read", path)
		}
	}
	if err := os.WriteFile(dir+"/written", []byte("x"), 0644); err == nil {
		fmt.Println("ESCAPED write")
	} else {
		fmt.Println("contained write")
	}
	if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
		c.Close()
		fmt.Println("ESCAPED connect")
	} else {
		fmt.Println("contained connect")
	}
}
