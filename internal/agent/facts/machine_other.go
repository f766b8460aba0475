//go:build !linux && !windows

package facts

func machineID() string { return "" }

func osVersion() string { return "" }
