package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	data, _ := io.ReadAll(os.Stdin)
	text := string(data)
	if text == "err" {
		panic("bad input: " + text)
	}
	for text == "loop" {
	}
	fmt.Printf("hello, %s", text)
}
