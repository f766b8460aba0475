package agentcli

// chownLikeDir does nothing on Windows: the file inherits the ACL of the
// directory under %ProgramData%, where the service's account reads it.
func chownLikeDir(path, dir string) error { return nil }
