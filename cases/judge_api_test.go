package cases

import (
	"strings"
	"testing"
	"time"
)

func TestJudgeAPI(t *testing.T) {
	lifecycle, _ := Lookup("16.10.2")
	extensions, _ := Lookup("16.15.5")
	ok := lifecycle.API.Expect[0].Seen
	tests := []struct {
		name    string
		c       *Case
		seen    []string
		pageErr string
		want    Verdict
		reason  []string
	}{
		{"as expected", lifecycle, ok, "", OK, []string{"it saw [new rs=0; open rs=1;"}},
		{"open missing", lifecycle, append([]string{ok[0]}, ok[2:]...), "", Failed,
			[]string{"it saw [new rs=0; message text", "it should have seen [new rs=0; open rs=1;", "WHATWG WebSockets #dom-websocket-readystate"}},
		{"events reordered", lifecycle, []string{ok[0], ok[2], ok[1], ok[3], ok[4]}, "", Failed, []string{"should have seen"}},
		{"one event more", lifecycle, append(append([]string{}, ok...), "error rs=3"), "", Failed, []string{"error rs=3]"}},
		{"nothing seen", lifecycle, nil, "", Failed, []string{"it saw nothing"}},
		{"page error", lifecycle, ok[:2], "the check threw TypeError: x", Failed, []string{"could not finish: the check threw TypeError"}},
		{"second outcome", extensions, extensions.API.Expect[1].Seen, "", Unimplemented, []string{"not offered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := JudgeAPI(tt.c, tt.seen, tt.pageErr, time.Now(), time.Millisecond)
			if r.Behavior != tt.want {
				t.Errorf("verdict %s, want %s: %s", r.Behavior, tt.want, r.Reason)
			}
			for _, s := range tt.reason {
				if !strings.Contains(r.Reason, s) {
					t.Errorf("reason %q lacks %q", r.Reason, s)
				}
			}
			if r.BehaviorClose != CloseOK || r.ID != tt.c.ID || len(r.Expected) != len(tt.c.API.Expect) {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestJudgeAPICapsWhatThePageSaw(t *testing.T) {
	c, _ := Lookup("16.10.2")
	seen := make([]string, 1000)
	for i := range seen {
		seen[i] = strings.Repeat("x", 10000)
	}
	r := JudgeAPI(c, seen, "", time.Now(), 0)
	if len(r.Observed) != MaxAPISeen+1 || len(r.Observed[0]) > maxAPISeenLen+len("…") || len(r.Reason) > 64*1024 {
		t.Errorf("kept %d observations, the first %d long, reason %d long", len(r.Observed), len(r.Observed[0]), len(r.Reason))
	}
}

func TestServerRunsNeverSelectBrowserChecks(t *testing.T) {
	all, _ := Select(nil, nil)
	for _, c := range all {
		if c.API != nil {
			t.Fatalf("Select picked the browser check %s", c.ID)
		}
	}
	api := SelectAPI([]string{"16.1*"}, []string{"16.11"})
	if len(api) == 0 {
		t.Fatal("SelectAPI picked nothing")
	}
	for _, c := range api {
		if c.API == nil || strings.HasPrefix(c.ID, "16.11.") {
			t.Errorf("SelectAPI picked %s", c.ID)
		}
	}
}
