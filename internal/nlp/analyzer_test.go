package nlp

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// embeddedCopy returns the embedded lexicons as a writable file system.
func embeddedCopy(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(dataFS, "data", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dataFS, path)
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBrokenLexicons checks that a bad data line is refused with an error
// that names the file and the line.
func TestBrokenLexicons(t *testing.T) {
	tests := []struct {
		file, line, want string
	}{
		{"normalize.tsv", "bogus\tx", "unknown entry kind"},
		{"normalize.tsv", "spelling\tdiabetis\tdiabetes", "listed twice"},
		{"sections.tsv", "header\tnowhere\tfoo", "unknown section kind"},
		{"sections.tsv", "header\tap\tfoo\tbold", "unknown header flag"},
		{"context.tsv", "negated\tsideways\t0\t-\tnope", "direction"},
		{"context.tsv", "negated\tpre\tmany\t-\tnope", "window"},
		{"context.tsv", "uncertain\tpre\t0\t-\tpossible", "already listed"},
		{"abbreviations.tsv", "abbr\tXYZ\tany\tsomething\t1I0", "not an ICD-10-CM"},
		{"abbreviations.tsv", "abbr\tHTN\tany\thypertension\tI10", "already defined"},
		{"abbreviations.tsv", "abbr\tXYZ\tloud\tsomething\t-", "unknown case rule"},
		{"abbreviations.tsv", "sense\tQQ\tupper\tone\t-\t-\tnear\tQQ.", "name=values"},
		{"measurements.tsv", "label\tweight\tWt", "unknown label kind"},
		{"measurements.tsv", "unit\tlength\tten\tdm", "not a number"},
		{"medications.tsv", "drug\tnosuchclass\tfoo", "unknown class"},
		{"medications.tsv", "class\tfoo\tZ79.4\tforever\t-", "course must be"},
		{"medications.tsv", "drug\tstatin\tmetformin", "already listed"},
		{"anatomy.tsv", "site\telbow2\tarm\tmaybe\ttrunk\ttrunk\telbowish", "paired"},
		{"anatomy.tsv", "digit\tfinger\t7\tseventh finger", "ordinal"},
		{"attributes.tsv", "cue\tmood\thappy\tcheerful", "unknown cue kind"},
	}
	for _, tt := range tests {
		fsys := embeddedCopy(t)
		name := "data/" + tt.file
		data := string(fsys[name].Data)
		lineNo := strings.Count(data, "\n") + 1
		if !strings.HasSuffix(data, "\n") {
			data += "\n"
			lineNo++
		}
		fsys[name] = &fstest.MapFile{Data: []byte(data + tt.line + "\n")}
		_, err := newAnalyzer(fsys)
		if err == nil {
			t.Errorf("%s: %q accepted", tt.file, tt.line)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, name) {
			t.Errorf("%s: %q: error %q, want %q naming the file", tt.file, tt.line, msg, tt.want)
		}
		if !strings.Contains(msg, ":"+itoaLine(lineNo)+":") && !strings.Contains(msg, "already") {
			t.Errorf("%s: %q: error %q does not name line %d", tt.file, tt.line, msg, lineNo)
		}
	}
}

func itoaLine(n int) string {
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestMissingLexicon(t *testing.T) {
	fsys := embeddedCopy(t)
	delete(fsys, "data/context.tsv")
	if _, err := newAnalyzer(fsys); err == nil || !strings.Contains(err.Error(), "context.tsv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDefaultIsShared(t *testing.T) {
	if Default() != Default() {
		t.Error("Default loads the lexicons twice")
	}
}

// TestConcurrentUse runs one analyzer from several goroutines; run with
// -race it checks that the analyzer and a finished Doc are read-only.
func TestConcurrentUse(t *testing.T) {
	a := Default()
	note := "A/P: 1. T2DM w/ PN - continue metformin 500 mg BID.\n2. R knee OA, BMI 32.4.\nFHx: mother with breast CA."
	shared := a.Analyze(note)
	done := make(chan string)
	for range 4 {
		go func() {
			d := a.Analyze(note)
			for _, tm := range shared.Terms {
				shared.Assert(tm.Start, tm.End, Chronic)
				shared.Attributes(tm.Start, tm.End)
			}
			done <- fmt.Sprint(len(d.Terms), len(d.Medications), len(d.Measurements))
		}()
	}
	want := fmt.Sprint(len(shared.Terms), len(shared.Medications), len(shared.Measurements))
	for range 4 {
		if got := <-done; got != want {
			t.Errorf("concurrent analysis gave %s, want %s", got, want)
		}
	}
}
