package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// chromium finds a headless-capable Chromium (`make deps` installs
// Debian's); without one the test fails unless WSCONFORM_SKIP_BROWSER is set.
func chromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("WSCONFORM_SKIP_BROWSER") != "" {
		t.Skip("WSCONFORM_SKIP_BROWSER is set: browser tests are skipped")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found (chromium, chromium-browser or google-chrome on PATH): run `make deps`, or set WSCONFORM_SKIP_BROWSER=1 to skip")
	return ""
}

func TestLaunchEvaluateClose(t *testing.T) {
	b, err := Launch(context.Background(), chromium(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Agent == "" || b.Product == "" {
		t.Fatalf("no product from Browser.getVersion: %q", b.Product)
	}
	t.Logf("agent %q", b.Agent)
	p, err := b.Open(context.Background(), "data:text/html,<title>x</title><script>window.answer = () => Promise.resolve({n: 6*7}); console.log('hello from the page')</script>")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ N int }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Evaluate(ctx, "answer()", &got); err != nil || got.N != 42 {
		t.Fatalf("evaluate: %v %+v", err, got)
	}
	if err := p.Evaluate(ctx, "Promise.reject(new Error('boom'))", nil); err == nil {
		t.Error("a rejected promise evaluated without error")
	}
	pid := b.cmd.Process.Pid
	b.Close()
	if err := exec.Command("kill", "-0", "--", "-"+itoa(pid)).Run(); err == nil {
		t.Errorf("process group %d still alive after Close", pid)
	}
	if _, err := os.Stat(b.profile); !os.IsNotExist(err) {
		t.Errorf("profile %s not removed", b.profile)
	}
	t.Log(b.Log())
}

func itoa(n int) string { return fmt.Sprint(n) }
