//go:build !unix

package datadir

// hasModes: on Windows, access is by ACL, inherited from the parent directory.
const hasModes = false

func restrictUmask() {}
