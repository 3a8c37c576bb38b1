package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel send the child SIGTERM if the benchmark dies
// without stopping it (killed, or a crash), so no dev process is left
// holding its ports and temporary folder.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
