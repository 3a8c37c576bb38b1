//go:build !linux

package bench

import "os/exec"

// dieWithParent has no portable equivalent outside Linux: a benchmark killed
// there leaves its dev process to be stopped by hand.
func dieWithParent(*exec.Cmd) {}
