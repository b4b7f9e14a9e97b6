package cases

import (
	"fmt"
	"path"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// sections are the catalogue's builders, one per section, registered by
// the files that define them.
var sections []func() []*Case

var (
	buildOnce sync.Once
	all       []*Case
	byID      map[string]*Case
)

// All is the whole catalogue, sorted by id (numerically, component by
// component, as Autobahn sorts).
func All() []*Case {
	buildOnce.Do(build)
	return all
}

// Lookup finds a case by id.
func Lookup(id string) (*Case, bool) {
	buildOnce.Do(build)
	c, ok := byID[id]
	return c, ok
}

func build() {
	byID = map[string]*Case{}
	for _, s := range sections {
		file, line := runtime.FuncForPC(reflect.ValueOf(s).Pointer()).FileLine(reflect.ValueOf(s).Pointer())
		for _, c := range s() {
			c.SourceFile, c.SourceLine = file, line
			clientPlay(c)
			if _, dup := byID[c.ID]; dup {
				panic("cases: duplicate case id " + c.ID)
			}
			finish(c)
			byID[c.ID] = c
			all = append(all, c)
		}
	}
	sort.Slice(all, func(i, j int) bool { return LessID(all[i].ID, all[j].ID) })
}

// finish adds the labels every case carries.
func finish(c *Case) {
	if c.Level == "" {
		c.Level = Must
	}
	labels := []string{"section:" + c.Section(), "group:" + c.Group(), "level:" + string(c.Level)}
	if c.Serial {
		labels = append(labels, "serial")
	}
	c.Labels = append(labels, c.Labels...)
}

// LessID orders ids numerically component by component ("2.10" after "2.9").
func LessID(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea == nil && eb == nil && na != nb {
			return na < nb
		}
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

// clientSections are Autobahn's sections, all of which its fuzzingserver
// plays against clients too.
var clientSections = map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true, "9": true, "10": true, "12": true, "13": true}

// clientPlay lets Autobahn's cases test clients, as Autobahn's fuzzingserver
// does, unless the case says how itself. A compression case accepts the
// client's offer as Autobahn's server does: 12.x plainly, 13.x asking of
// the client what the offer set asks of the server.
func clientPlay(c *Case) {
	if c.Clients != nil || !clientSections[c.Section()] {
		return
	}
	c.Clients = &ClientPlay{}
	if p := c.Compression; p != nil {
		for _, o := range p.Offers {
			a := DeflateAccept{ClientNoContextTakeover: o.ServerNoContextTakeover, ClientMaxWindowBits: o.ServerMaxWindowBits}
			if c.Section() == "12" {
				a = DeflateAccept{}
			}
			c.Clients.Deflate = append(c.Clients.Deflate, a)
		}
		c.Clients.Note = "Against a client we are the server: instead of offering, we accept the client's offer as Autobahn's server does in this case (" +
			clientAcceptText(c) + ") and send the same messages; a client that offers nothing we can accept is UNIMPLEMENTED."
	}
}

// SelectClients is Select over the cases that can test a client, each as
// it is played against one (Case.ForClients).
func SelectClients(include, exclude []string) ([]*Case, error) {
	cs, err := selectCases(include, exclude, func(c *Case) bool { return c.Clients != nil || c.ClientRule != nil })
	for i, c := range cs {
		cs[i] = c.ForClients()
	}
	return cs, err
}

// Select returns the cases whose ids match any include pattern (all if none)
// and no exclude pattern. Patterns use * as a wildcard and dots literally,
// as Autobahn's "cases"/"exclude-cases" do; "6.4" also selects "6.4.*".
// Cases that test clients only (section 16: Case.ClientRule, Case.API) are
// left out, and so are the intermediary cases (section 19), which need an
// origin server of ours behind the target (SelectBehind).
func Select(include, exclude []string) ([]*Case, error) {
	return selectCases(include, exclude, func(c *Case) bool { return c.API == nil && c.ClientRule == nil && c.Intermediary == nil })
}

// SelectBehind is Select for a target that is an intermediary in front of
// an origin server of ours (run --upstream): the intermediary cases too.
func SelectBehind(include, exclude []string) ([]*Case, error) {
	return selectCases(include, exclude, func(c *Case) bool { return c.API == nil && c.ClientRule == nil })
}

func selectCases(include, exclude []string, keep func(*Case) bool) ([]*Case, error) {
	for _, p := range append(append([]string{}, include...), exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("bad case pattern %q: %v", p, err)
		}
	}
	var out []*Case
	for _, c := range All() {
		if !keep(c) || len(include) > 0 && !MatchID(include, c.ID) {
			continue
		}
		if MatchID(exclude, c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// SelectAPI is Select over the browser WebSocket API checks (Case.API),
// which only `wsconform clients --browser` runs.
func SelectAPI(include, exclude []string) []*Case {
	var out []*Case
	for _, c := range All() {
		if c.API == nil || len(include) > 0 && !MatchID(include, c.ID) || MatchID(exclude, c.ID) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// MatchID reports whether id matches any of the patterns.
func MatchID(patterns []string, id string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
		if !strings.ContainsAny(p, "*?[") && strings.HasPrefix(id, p+".") {
			return true
		}
	}
	return false
}
