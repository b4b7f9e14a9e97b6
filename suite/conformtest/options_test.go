package conformtest

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
)

func sections(cs []*cases.Case) []string {
	var out []string
	for _, c := range cs {
		if s := c.Section(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// -short leaves out sections 9, 12 and 13 unless Cases names cases.
func TestShortProfile(t *testing.T) {
	was := testing.Short()
	t.Cleanup(func() { flag.Set("test.short", map[bool]string{true: "true", false: "false"}[was]) })
	for _, tc := range []struct {
		name   string
		short  bool
		opts   []Option
		has    []string
		hasNot []string
	}{
		{"full", false, nil, []string{"1", "9", "12", "13", "15"}, nil},
		{"short", true, nil, []string{"1", "6", "15"}, []string{"9", "12", "13"}},
		{"short with Cases", true, []Option{Cases("9.1.*", "1.1.1")}, []string{"9", "1"}, []string{"12"}},
		{"short with Exclude", true, []Option{Exclude("1.*")}, []string{"2"}, []string{"1", "9"}},
		{"labels", false, []Option{Labels("section:5")}, []string{"5"}, []string{"1", "9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flag.Set("test.short", map[bool]string{true: "true", false: "false"}[tc.short])
			s := &settings{}
			for _, o := range tc.opts {
				o(s)
			}
			sel, err := s.selection(cases.Select)
			if err != nil {
				t.Fatal(err)
			}
			got := sections(sel)
			for _, want := range tc.has {
				if !slices.Contains(got, want) {
					t.Errorf("section %s missing from %v", want, got)
				}
			}
			for _, not := range tc.hasNot {
				if slices.Contains(got, not) {
					t.Errorf("section %s selected: %v", not, got)
				}
			}
		})
	}
}

func TestBadOptionsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{Departures(map[string]string{"6.4.1": ""}), `departure "6.4.1" has no reason`},
		{Departures(map[string]string{"99.1": "x"}), `departure "99.1" names no case`},
		{TimeoutScale(0), "must be positive"},
		{Parallel(0), "at least 1"},
		{Path("ws"), "must start with /"},
	} {
		s := &settings{}
		tc.opt(s)
		if len(s.errs) != 1 || !strings.Contains(s.errs[0].Error(), tc.want) {
			t.Errorf("errors %v, want one saying %q", s.errs, tc.want)
		}
	}
	s := &settings{labels: "section:5 &&"}
	if _, err := s.selection(cases.Select); err == nil || !strings.Contains(err.Error(), "bad Labels filter") {
		t.Errorf("bad label filter: %v", err)
	}
	s = &settings{include: []string{"99.*"}}
	if _, err := s.selection(cases.Select); err == nil || !strings.Contains(err.Error(), "no case matches") {
		t.Errorf("empty selection: %v", err)
	}
}

func TestDepartureLookup(t *testing.T) {
	s := &settings{departures: map[string]string{"6.4.*": "glob", "6.4.2": "exact", "7": "section"}}
	for id, want := range map[string]string{"6.4.2": "6.4.2", "6.4.1": "6.4.*", "7.5.1": "7", "6.3.1": ""} {
		if key, _ := s.departure(id); key != want {
			t.Errorf("%s: departure %q, want %q", id, key, want)
		}
	}
}

func TestRunPattern(t *testing.T) {
	for _, tc := range []struct{ test, id, want string }{
		{"TestConformance", "5.19", `^TestConformance$/^5\.19$`},
		{"TestX/gorilla", "6.4.1", `^TestX$/^gorilla$/^6\.4\.1$`},
	} {
		if got := runPattern(tc.test, tc.id); got != tc.want {
			t.Errorf("runPattern(%q, %q) = %s, want %s", tc.test, tc.id, got, tc.want)
		}
	}
}
