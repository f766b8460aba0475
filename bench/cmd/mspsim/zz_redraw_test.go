package main

import (
	"encoding/json"
	"os"
	"testing"
)

func TestZZRedraw(t *testing.T) {
	b, err := os.ReadFile("../../results/mspsim/results.json")
	if err != nil {
		t.Skip(err)
	}
	var rows []row
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("../../../docs/bench-msp.svg", []byte(chart(rows)), 0o644); err != nil {
		t.Fatal(err)
	}
}
