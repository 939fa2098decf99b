// Command pause is the sandbox ("pause") process of the test node's pods: it holds the pod's
// namespaces open and does nothing else until the runtime stops it. Kubernetes' own pause
// image cannot be pulled here (no registry), so hack/build-node.sh builds this one; as PID 1
// of the sandbox it also reaps orphaned children, as the upstream pause does.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	children := make(chan os.Signal, 1)
	signal.Notify(children, syscall.SIGCHLD)
	for {
		select {
		case <-stop:
			return
		case <-children:
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}
