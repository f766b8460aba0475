// Command hello is a binary for gobuild's tests to build and read.
package main

func main() {}
