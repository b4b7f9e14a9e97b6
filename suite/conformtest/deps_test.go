package conformtest_test

import (
	"flag"
	"os/exec"
	"strings"
	"testing"
)

// What a library's test binary inherits from conformtest: no CLI, terminal
// or progress-bar package, and not Ginkgo's runtime (whose init registers
// -ginkgo.* flags in every importer) nor gomega. Ginkgo's label-filter
// parser (ginkgo/v2/types) is allowed: Labels filters as the CLI does.
func TestImporterInheritsNoCLIPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/spf13/cobra", "github.com/spf13/pflag", "github.com/schollz/progressbar",
		"github.com/mattn/go-isatty", "github.com/mattn/go-colorable", "golang.org/x/term",
		"github.com/mitchellh/colorstring", "github.com/rivo/uniseg",
		"github.com/onsi/gomega", "github.com/wsconform/wsconform/cmd/",
	}
	var third []string
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(pkg, f) {
				t.Errorf("conformtest pulls in %s", pkg)
			}
		}
		if pkg == "github.com/onsi/ginkgo/v2" || strings.HasPrefix(pkg, "github.com/onsi/ginkgo/v2/internal") ||
			pkg == "github.com/wsconform/wsconform/suite" {
			t.Errorf("conformtest pulls in %s (Ginkgo's runtime)", pkg)
		}
		if strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".") && !strings.HasPrefix(pkg, "github.com/wsconform/") {
			third = append(third, pkg)
		}
	}
	t.Logf("third-party packages an importer compiles: %v", third)
	if f := flag.Lookup("ginkgo.focus"); f != nil {
		t.Error("the test binary has Ginkgo's flags: something linked Ginkgo's runtime")
	}
	if flag.Lookup("wsconform.out") == nil {
		t.Error("no -wsconform.out flag")
	}
}
