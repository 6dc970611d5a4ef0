package store

import "syscall"

// errNoSpace is the OS's "no space left on device".
var errNoSpace error = syscall.ENOSPC
