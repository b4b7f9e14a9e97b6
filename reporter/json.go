// Package reporter turns a cases.Run into files and terminal text: the
// wsconform.json results file, Autobahn-compatible index.json, and the
// terminal summary. It knows nothing about sockets.
package reporter

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wsconform/wsconform/cases"
)

// JSONFile is the results file's name inside the output directory.
const JSONFile = "wsconform.json"

// WriteJSON writes run as indented JSON.
func WriteJSON(w io.Writer, run *cases.Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(run)
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

// WriteFiles writes every file format into dir.
func WriteFiles(dir string, runs ...*cases.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if len(runs) == 1 {
		if err := writeFile(filepath.Join(dir, JSONFile), func(w io.Writer) error { return WriteJSON(w, runs[0]) }); err != nil {
			return err
		}
	}
	return WriteAutobahn(filepath.Join(dir, "autobahn"), runs...)
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeBytes(path string, b []byte) error {
	return writeFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}
