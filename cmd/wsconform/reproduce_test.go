package main_test

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/server"
)

// A FAILED case's reproduce command (terminal, JSON, HTML) carries every
// option that changes what is sent, so running it sends what the run
// sent; credentials are redacted.
func TestReproduceCarriesEveryOption(t *testing.T) {
	faulty := server.Config{Faults: server.Faults{AcceptRSV: true}} // 3.1 FAILS
	url := startServer(t, faulty)
	tlsURL, caFile := startTLSServerWith(t, faulty)
	proxy := startConnectProxy(t, &testProxy{}) // no credentials asked: any password passes
	tests := []struct {
		name   string
		target string
		args   []string
		want   string // in the reproduce command
		absent string // not in the reproduce command
	}{
		{"header", url, []string{"--header", "X-Wsconform-Test: a b"}, "--header 'X-Wsconform-Test: a b'", ""},
		{"two headers", url, []string{"--header", "X-One: 1", "--header", "X-Two: 2"}, "--header 'X-One: 1' --header 'X-Two: 2'", ""},
		{"credential header", url, []string{"--header", "Authorization: Bearer s3cret-token"}, "--header 'Authorization: <redacted>'", "s3cret-token"},
		{"origin", url, []string{"--origin", "http://example.test"}, "--origin http://example.test", ""},
		{"protocol", url, []string{"--protocol", "chat,superchat"}, "--protocol chat,superchat", ""},
		{"ca", tlsURL, []string{"--ca", caFile}, "--ca " + caFile, ""},
		{"ca and sni", tlsURL, []string{"--ca", caFile, "--sni", "wsconform.test"}, "--ca " + caFile + " --sni wsconform.test", ""},
		{"insecure", tlsURL, []string{"--insecure"}, "--insecure", ""},
		{"proxy", url, []string{"--proxy", "http://" + proxy}, "--proxy http://" + proxy, ""},
		{"proxy password", url, []string{"--proxy", "http://user:pa55word@" + proxy}, "--proxy 'http://user:<redacted>@" + proxy + "'", "pa55word"},
		{"timeout scale", url, []string{"--timeout-scale", "2"}, "--timeout-scale 2", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", tc.target, "--cases", "3.1", "--out", out}, tc.args...)
			r := wsconform(t, args...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1 (3.1 FAILS)\n%s%s", r.code, r.stdout, r.stderr)
			}
			want := "wsconform run " + tc.target + " " + tc.want + " --cases 3.1"
			run := readRun(t, out)
			if got := run.Results[0].Reproduce; got != want {
				t.Errorf("JSON reproduce = %q, want %q", got, want)
			}
			if !strings.Contains(r.stdout, "reproduce: "+want) {
				t.Errorf("terminal lacks %q:\n%s", want, r.stdout)
			}
			page, err := os.ReadFile(filepath.Join(out, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(page), html.EscapeString(want)) && !strings.Contains(string(page), want) {
				t.Errorf("index.html lacks %q", want)
			}
			// The command is what people paste into tickets: no
			// credential in it, nor in the terminal.
			if tc.absent != "" && (strings.Contains(run.Results[0].Reproduce, tc.absent) || strings.Contains(r.stdout, tc.absent)) {
				t.Errorf("the reproduce command or the terminal shows the credential %q", tc.absent)
			}
		})
	}
}

// A target from a --config file (Autobahn's fuzzingclient form) gets the
// reproduce command the same target gets on the command line: the flags
// of the run and the file's own settings (origin, protocols, TLS,
// timeout scale) become the options that send the same requests again.
func TestConfigTargetsReproduceAsOnTheCommandLine(t *testing.T) {
	faulty := server.Config{Faults: server.Faults{AcceptRSV: true}} // 3.1 FAILS
	url := startServer(t, faulty)
	tlsURL, caFile := startTLSServerWith(t, faulty)
	proxy := startConnectProxy(t, &testProxy{})
	tests := []struct {
		name    string
		target  string
		server  string   // the config's settings for the server, JSON fields after url
		file    string   // the config's settings for the run, JSON fields
		flags   []string // given to both runs
		cmdLine []string // given to the command-line run only: the file's settings as flags
	}{
		{"flags", url, "", "", []string{"--header", "Authorization: Bearer s3cret", "--header", "X-A: b", "--proxy", "http://" + proxy, "--timeout-scale", "2"}, nil},
		{"file settings", url, `, "origin": "http://o.test", "protocols": ["chat", "superchat"]`, `, "timeoutScale": 1.5`, nil,
			[]string{"--origin", "http://o.test", "--protocol", "chat,superchat", "--timeout-scale", "1.5"}},
		{"file TLS", tlsURL, `, "insecure": true, "hostname": "localhost"`, "", []string{"--ca", caFile}, []string{"--insecure", "--sni", "localhost"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cliOut, cfgOut := t.TempDir(), t.TempDir()
			r := wsconform(t, append(append([]string{"run", tc.target, "--cases", "3.1", "--out", cliOut}, tc.flags...), tc.cmdLine...)...)
			if r.code != 1 {
				t.Fatalf("command line: exit %d, want 1 (3.1 FAILS)\n%s%s", r.code, r.stdout, r.stderr)
			}
			cfg := filepath.Join(t.TempDir(), "fuzzingclient.json")
			body := `{"outdir": "` + cfgOut + `", "cases": ["3.1"]` + tc.file + `, "servers": [{"agent": "a", "url": "` + tc.target + `"` + tc.server + `}]}`
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			rc := wsconform(t, append([]string{"run", "--config", cfg}, tc.flags...)...)
			if rc.code != 1 {
				t.Fatalf("config: exit %d, want 1 (3.1 FAILS)\n%s%s", rc.code, rc.stdout, rc.stderr)
			}
			want := readRun(t, cliOut).Results[0].Reproduce
			got := readRun(t, cfgOut).Results[0].Reproduce
			if got != want || !strings.Contains(rc.stdout, "reproduce: "+want) {
				t.Errorf("config target's reproduce command\n%s\nwant the command line's\n%s\nterminal:\n%s", got, want, rc.stdout)
			}
			if strings.Contains(got, "s3cret") {
				t.Errorf("the reproduce command shows a credential: %s", got)
			}
		})
	}
}
