// Package reporter turns cases.Runs into files and terminal text: the
// wsconform.json results file (schema/), a self-contained HTML report,
// JUnit XML, Autobahn-compatible index.json and per-case files, and the
// terminal summary; and it decides CI outcomes: which verdicts fail (Gate)
// and what got worse since a baseline (Compare). It knows nothing about
// sockets.
package reporter

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// JSONFile is the results file's name inside the output directory.
const JSONFile = "wsconform.json"

// WriteJSON writes run as indented JSON, bounded as every report is.
func WriteJSON(w io.Writer, run *cases.Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(bounded([]*cases.Run{run})[0])
}

// ReadJSON reads a results file written by WriteJSON.
func ReadJSON(path string) (*cases.Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var run cases.Run
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: not a wsconform results file: %v", path, err)
	}
	if run.Schema != cases.SchemaVersion {
		return nil, fmt.Errorf("%s: schema %q, this wsconform reads %q", path, run.Schema, cases.SchemaVersion)
	}
	return &run, nil
}

// WriteFiles writes every file format into dir, gated as the first run
// was (its --strict).
func WriteFiles(dir string, runs ...*cases.Run) error {
	strict := len(runs) > 0 && runs[0].Selection.Strict
	return Write(dir, DefaultGate(strict), runs...)
}

// Write writes every file format into dir: the results as JSON (one run:
// wsconform.json; several: wsconform-<agent>.json each), index.html with
// all runs in one matrix, junit.xml, and autobahn/ (index.json plus one
// file per case). g decides what the HTML marks and JUnit counts as failing.
// A file that cannot be written does not stop the others: the error names
// every failure, and what could be written is there.
func Write(dir string, g Gate, runs ...*cases.Run) error {
	return WriteWithAutobahnDir(dir, filepath.Join(dir, "autobahn"), g, runs...)
}

// WriteWithAutobahnDir is Write with Autobahn's files in autobahnDir (a run
// from Autobahn's own config file puts them in dir itself, where Autobahn
// does).
func WriteWithAutobahnDir(dir, autobahnDir string, g Gate, runs ...*cases.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	runs = bounded(runs)
	var errs []error
	for _, run := range runs {
		name := JSONFile
		if len(runs) > 1 {
			name = JSONFileFor(run.Target.Agent)
		}
		errs = append(errs, writeFile(filepath.Join(dir, name), func(w io.Writer) error { return WriteJSON(w, run) }))
	}
	errs = append(errs, WriteReports(dir, g, runs...))
	errs = append(errs, WriteAutobahn(autobahnDir, runs...))
	return errors.Join(errs...)
}

// WriteReports writes the renderings for people and CI, index.html and
// junit.xml, into dir.
func WriteReports(dir string, g Gate, runs ...*cases.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	runs = bounded(runs)
	return errors.Join(
		writeFile(filepath.Join(dir, HTMLFile), func(w io.Writer) error { return WriteHTML(w, g, runs...) }),
		writeFile(filepath.Join(dir, JUnitFile), func(w io.Writer) error { return WriteJUnit(w, g, runs...) }))
}

// JSONFileFor is the results file of one target in a multi-target run.
func JSONFileFor(agent string) string {
	return "wsconform-" + strings.TrimSuffix(AutobahnFileStem(agent, ""), "_case_") + ".json"
}

// writeFile writes path through a temporary file renamed into place, so a
// write that fails half-way (a full disk) leaves no truncated report.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func writeBytes(path string, b []byte) error {
	return writeFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}
