package conformtest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/engine"
)

// Option changes what Server and URL run and what fails the test.
type Option func(*settings)

type settings struct {
	include, exclude []string
	labels           string
	strict           bool
	failOn           []string
	gate             reporter.Gate
	departures       map[string]string // case id or id glob -> reason
	scale            float64
	parallel         int
	out              string
	path             string
	errs             []error
}

// Cases runs only the cases whose ids match these globs ("1.*", "5.19");
// naming cases also turns off the -short profile.
func Cases(globs ...string) Option {
	return func(s *settings) { s.include = append(s.include, globs...) }
}

// Exclude leaves out the cases whose ids match these globs.
func Exclude(globs ...string) Option {
	return func(s *settings) { s.exclude = append(s.exclude, globs...) }
}

// Labels keeps the cases a Ginkgo label filter selects, as the CLI's
// --label-filter does (e.g. "section:5 && level:MUST", "!compression").
func Labels(filter string) Option {
	return func(s *settings) { s.labels = filter }
}

// Strict makes NON-STRICT verdicts and unclean closes fail, as --strict.
func Strict() Option {
	return func(s *settings) { s.strict = true }
}

// FailOn names the verdicts that fail a case, spelt as the CLI's
// --fail-on ("FAILED", "NOT RUN", "NON-STRICT", "close:WRONG CODE").
func FailOn(verdicts ...string) Option {
	return func(s *settings) { s.failOn = append(s.failOn, verdicts...) }
}

// Departures lists what the server deliberately does differently: case id
// (or id glob) -> the reason. Those cases still run and their verdicts are
// logged, but they do not fail the test; a listed departure whose cases
// all ran (-run did not narrow them) and passed fails the test, so that
// the list does not go stale.
func Departures(reasons map[string]string) Option {
	return func(s *settings) {
		if s.departures == nil {
			s.departures = map[string]string{}
		}
		for key, reason := range reasons {
			if reason == "" {
				s.errs = append(s.errs, fmt.Errorf("departure %q has no reason", key))
			}
			if !slices.ContainsFunc(cases.All(), func(c *cases.Case) bool { return cases.MatchID([]string{key}, c.ID) }) {
				s.errs = append(s.errs, fmt.Errorf("departure %q names no case of the catalogue", key))
			}
			s.departures[key] = reason
		}
	}
}

// TimeoutScale multiplies every timer and deadline, for slow servers (or
// a race-enabled build on a busy machine).
func TimeoutScale(f float64) Option {
	return func(s *settings) {
		if f <= 0 {
			s.errs = append(s.errs, fmt.Errorf("TimeoutScale(%g): must be positive", f))
			return
		}
		s.scale = f
	}
}

// Parallel is how many cases run at once (8 by default); serial cases
// always run alone.
func Parallel(n int) Option {
	return func(s *settings) {
		if n < 1 {
			s.errs = append(s.errs, fmt.Errorf("Parallel(%d): must be at least 1", n))
			return
		}
		s.parallel = n
	}
}

// ReportDir writes the reports under dir/<test name>/ once the cases are
// done (the -wsconform.out flag does the same; none by default).
func ReportDir(dir string) Option {
	return func(s *settings) { s.out = dir }
}

// Path is where Server's handler is asked to upgrade ("/" by default).
func Path(path string) Option {
	return func(s *settings) {
		if path == "" || path[0] != '/' {
			s.errs = append(s.errs, fmt.Errorf("Path(%q): must start with /", path))
			return
		}
		s.path = path
	}
}

// selection is the cases to run, picked (cases.Select for a server) by the
// id globs (or, under -short with none given, all but the slow sections),
// then the label filter.
func (s *settings) selection(pick func(include, exclude []string) ([]*cases.Case, error)) ([]*cases.Case, error) {
	exclude := s.exclude
	if testing.Short() && len(s.include) == 0 {
		exclude = append(slices.Clone(exclude), slowSections...)
	}
	selected, err := pick(s.include, exclude)
	if err != nil {
		return nil, err
	}
	if selected, err = engine.FilterLabels(selected, s.labels); err != nil {
		return nil, fmt.Errorf("bad Labels filter %q: %v", s.labels, err)
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("no case matches Cases %v, Exclude %v, Labels %q", s.include, exclude, s.labels)
	}
	return selected, nil
}

// recorded is the selection as a run records it.
func (s *settings) recorded() cases.Selection {
	return cases.Selection{Cases: s.include, Exclude: s.exclude, LabelFilter: s.labels, Strict: s.strict,
		Parallel: s.parallel, Scale: s.scale}
}

// departure returns the key and reason of the departure that covers id
// (an exact id first, else the first glob in sorted order).
func (s *settings) departure(id string) (key, reason string) {
	if r, ok := s.departures[id]; ok {
		return id, r
	}
	for _, k := range slices.Sorted(mapKeys(s.departures)) {
		if cases.MatchID([]string{k}, id) {
			return k, s.departures[k]
		}
	}
	return "", ""
}
