// A CoreDNS with only the plugins the test node's cluster DNS needs (hack/build-node.sh).
//
// CoreDNS' own main links every plugin (cloud DNS backends with their SDKs among them);
// this one links the kubernetes plugin and the few that frame it, so it builds in a
// fraction of the time from the same Go module.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

// The order plugins run in (CoreDNS' plugin.cfg order for these six).
var directives = []string{"bind", "ready", "errors", "log", "template", "kubernetes"}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
