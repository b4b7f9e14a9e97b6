package reporter

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// JUnitFile is the JUnit report's name inside the output directory.
const JUnitFile = "junit.xml"

// The JUnit layout common CI servers accept (Jenkins' junit-10.xsd, GitLab,
// GitHub test reporters): testsuites > testsuite > testcase, with at most
// one of failure, error or skipped per testcase.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes one testsuite per run and one testcase per result
// (classname: the section, as "5 Fragmentation"). Results the gate
// rejects are failures with the reason, NOT RUN ones are errors,
// UNIMPLEMENTED ones are skipped. Wire logs stay out, so the file stays
// small; the HTML report has them.
func WriteJUnit(w io.Writer, g Gate, runs ...*cases.Run) error {
	runs = bounded(runs)
	all := junitSuites{Name: "wsconform"}
	var total float64
	for _, run := range runs {
		s := junitSuite{
			Name:      run.Target.Agent,
			Timestamp: run.Started.UTC().Format("2006-01-02T15:04:05"),
			Time:      seconds(run.Duration.Seconds()),
			Properties: []junitProperty{
				{Name: "url", Value: run.Target.URL},
				{Name: "tool", Value: run.Tool},
				{Name: "gate", Value: g.String()},
			},
		}
		total += run.Duration.Seconds()
		for _, r := range run.Results {
			s.Cases = append(s.Cases, junitCaseOf(r, g))
			c := &s.Cases[len(s.Cases)-1]
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		s.Tests = len(s.Cases)
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
		all.Suites = append(all.Suites, s)
	}
	all.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitCaseOf(r cases.Result, g Gate) junitCase {
	sec := section(r.ID)
	c := junitCase{
		Name:      r.ID + " " + r.Title,
		Classname: sec + " " + cases.SectionTitle(sec),
		Time:      seconds(r.Duration.Seconds()),
	}
	switch {
	case r.Behavior == cases.NotRun:
		c.Error = &junitProblem{Message: r.Reason, Type: string(cases.NotRun), Text: junitDetail(r)}
	case g.Fails(r):
		msg := r.Reason
		if !g.Main[r.Behavior] {
			msg = r.CloseReason
		}
		c.Failure = &junitProblem{Message: msg, Type: g.Why(r), Text: junitDetail(r)}
	case r.Behavior == cases.Unimplemented:
		c.Skipped = &junitProblem{Message: "UNIMPLEMENTED: " + r.Reason}
	}
	return c
}

// junitDetail is the failure body: verdicts, requirement, expected vs
// observed, close and the reproduce command (no wire log).
func junitDetail(r cases.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s / close %s: %s\n", r.Behavior, r.BehaviorClose, r.Reason)
	fmt.Fprintf(&b, "close: %s\n", r.CloseReason)
	fmt.Fprintf(&b, "requires (%s, %s): %s\n", strings.Join(r.Clauses, ", "), r.Level, r.Description)
	for _, o := range r.Expected {
		fmt.Fprintf(&b, "expected %s: [%s]\n", o.Verdict, strings.Join(o.Events, ", "))
	}
	fmt.Fprintf(&b, "observed: [%s]\n", strings.Join(r.Observed, ", "))
	if r.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", r.Error)
	}
	if r.Reproduce != "" {
		fmt.Fprintf(&b, "reproduce: %s\n", r.Reproduce)
	}
	return b.String()
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
