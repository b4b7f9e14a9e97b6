package cases_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCataloguePackageOpensNoSockets: cases is the catalogue and its pure
// judges. Running a case on a real connection lives in cases/probe (which
// imports cases, never the other way round), so cases must not depend on
// the network stack nor on any package of ours other than the protocol
// (reference/...) and the vocabulary of what a connection showed
// (cases/observed).
func TestCataloguePackageOpensNoSockets(t *testing.T) {
	const module = "github.com/wsconform/wsconform/"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := map[string]bool{"net": true, "net/http": true, "crypto/tls": true, "os/exec": true}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), out)
	}
	for _, dep := range deps {
		if forbidden[dep] {
			t.Errorf("cases depends on %s: it must judge what happened, not open connections", dep)
		}
		below := dep == module+"cases" || dep == module+"cases/observed" || strings.HasPrefix(dep, module+"reference/")
		if strings.HasPrefix(dep, module) && !below {
			t.Errorf("cases depends on %s: only reference/... and cases/observed may sit below the catalogue", dep)
		}
	}
}
