package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/engine"
)

// batchNote is one input note: a line of the JSONL input, or a file of
// the input directory (id = file name without extension).
type batchNote struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Note    string `json:"note"` // accepted for "text"
	DOS     string `json:"dos"`
	Payer   string `json:"payer"`
	Patient string `json:"patient"`
	Age     int    `json:"age"`
	Sex     string `json:"sex"`
}

// batchLine is one output line.
type batchLine struct {
	ID     string         `json:"id"`
	Result *engine.Result `json:"result,omitempty"`
	Error  string         `json:"error,omitempty"`
}

func runBatch(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "batch", "--in DIR|FILE.jsonl --out FILE.jsonl [--workers N] [--profile outpatient|abstract] [--dos YYYY-MM-DD] [--payer P]")
	in := fs.String("in", "", "input: a directory of note files, or a JSONL file of {\"id\",\"text\"[,\"dos\",\"payer\",\"patient\",\"age\",\"sex\"]}")
	out := fs.String("out", "", "output JSONL file, one {\"id\",\"result\"} line per note in input order (- for stdout)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "notes coded in parallel")
	quiet := fs.Bool("quiet", false, "no progress bar")
	var ef encounterFlags
	ef.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return usageError("--in and --out are required")
	}
	if *workers < 1 {
		return usageError("--workers must be at least 1")
	}
	defaults, err := ef.options()
	if err != nil {
		return err
	}
	notes, err := readBatch(*in)
	if err != nil {
		return err
	}
	var w io.Writer = env.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	eng, err := loadEngine()
	if err != nil {
		return err
	}
	// Compile the default release before the clock starts; a date outside
	// the installed releases is coded with the nearest one and warned about
	// in each note's result.
	if err := eng.Prepare(defaultDOS(defaults)); err != nil {
		return err
	}
	var progress io.Writer
	if !*quiet {
		progress = env.Stderr
	}
	stats, err := codeBatch(ctx, eng, notes, defaults, *workers, w, progress)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, stats)
	return nil
}

func defaultDOS(o engine.Options) time.Time {
	if o.DOS.IsZero() {
		return time.Now()
	}
	return o.DOS
}

// readBatch reads the notes of a directory or a JSONL file.
func readBatch(path string) ([]batchNote, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return readBatchDir(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseBatchJSONL(f)
}

func readBatchDir(dir string) ([]batchNote, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var notes []batchNote
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if len(b) > maxCodeNoteBytes {
			return nil, fmt.Errorf("%s: the note is larger than %d bytes", e.Name(), maxCodeNoteBytes)
		}
		notes = append(notes, batchNote{ID: strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())), Text: string(b)})
	}
	sort.Slice(notes, func(i, j int) bool { return notes[i].ID < notes[j].ID })
	return notes, nil
}

// parseBatchJSONL reads one note object per line; a bad line is an error
// naming the line.
func parseBatchJSONL(r io.Reader) ([]batchNote, error) {
	var notes []batchNote
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxCodeNoteBytes+1024)
	seen := map[string]bool{}
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var n batchNote
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&n); err != nil {
			return nil, fmt.Errorf("batch input line %d: %w", line, err)
		}
		if n.Text == "" {
			n.Text = n.Note
		}
		switch {
		case n.ID == "":
			return nil, fmt.Errorf("batch input line %d: missing \"id\"", line)
		case seen[n.ID]:
			return nil, fmt.Errorf("batch input line %d: id %q appears twice", line, n.ID)
		case n.Text == "":
			return nil, fmt.Errorf("batch input line %d: note %q has no \"text\"", line, n.ID)
		}
		seen[n.ID] = true
		notes = append(notes, n)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("batch input: a line is longer than %d bytes", maxCodeNoteBytes)
		}
		return nil, fmt.Errorf("batch input: %w", err)
	}
	return notes, nil
}

// options merges a note's own encounter fields over the defaults.
func (n batchNote) options(defaults engine.Options) (engine.Options, error) {
	o := defaults
	if n.DOS != "" {
		t, err := time.Parse(time.DateOnly, n.DOS)
		if err != nil {
			return o, fmt.Errorf("dos %q is not a date YYYY-MM-DD", n.DOS)
		}
		o.DOS = t
	}
	if n.Payer != "" {
		o.Payer = n.Payer
	}
	if n.Patient != "" {
		o.PatientType = n.Patient
	}
	if n.Age != 0 {
		o.Age = n.Age
	}
	if n.Sex != "" {
		o.Sex = strings.ToUpper(n.Sex)
	}
	return o, nil
}

// batchStats summarizes a batch run.
type batchStats struct {
	notes, errors int
	workers       int
	elapsed       time.Duration
	latencies     []time.Duration
}

func (s batchStats) String() string {
	sort.Slice(s.latencies, func(i, j int) bool { return s.latencies[i] < s.latencies[j] })
	q := func(p float64) time.Duration {
		if len(s.latencies) == 0 {
			return 0
		}
		return s.latencies[min(len(s.latencies)-1, int(p*float64(len(s.latencies))))]
	}
	rate := float64(s.notes) / s.elapsed.Seconds()
	return fmt.Sprintf("%d notes in %.2f s: %.0f notes/s on %d workers; per note p50 %.2f ms, p99 %.2f ms, max %.2f ms; %d errors",
		s.notes, s.elapsed.Seconds(), rate, s.workers, ms(q(0.5)), ms(q(0.99)), ms(q(1)), s.errors)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// codeBatch codes the notes on a pool of workers and writes one line per
// note, in input order, as soon as the notes before it are done.
func codeBatch(ctx context.Context, eng *engine.Engine, notes []batchNote, defaults engine.Options, workers int, w io.Writer, progress io.Writer) (batchStats, error) {
	stats := batchStats{notes: len(notes), workers: workers, latencies: make([]time.Duration, len(notes))}
	lines := make([][]byte, len(notes))
	failed := make([]bool, len(notes))
	ready := make([]chan struct{}, len(notes))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				line := batchLine{ID: notes[i].ID}
				opts, err := notes[i].options(defaults)
				if err == nil {
					line.Result, err = eng.Code(ctx, notes[i].Text, opts)
				}
				if err != nil {
					line.Error = err.Error()
					failed[i] = true
				}
				b, err := json.Marshal(line)
				if err != nil {
					b, _ = json.Marshal(batchLine{ID: notes[i].ID, Error: err.Error()})
				}
				lines[i] = append(b, '\n')
				stats.latencies[i] = time.Since(t0)
				close(ready[i])
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range notes {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 1<<20)
	bar := newProgressBar(progress, len(notes))
	var werr error
	for i := range notes {
		select {
		case <-ready[i]:
		case <-ctx.Done():
			wg.Wait()
			return stats, ctx.Err()
		}
		if werr == nil {
			_, werr = bw.Write(lines[i])
		}
		if failed[i] {
			stats.errors++
		}
		lines[i] = nil
		bar.set(i + 1)
	}
	wg.Wait()
	stats.elapsed = time.Since(start)
	bar.done()
	if werr == nil {
		werr = bw.Flush()
	}
	return stats, werr
}

// progressBar draws "[#####.....] 375/750 812 notes/s" on a terminal line.
type progressBar struct {
	w         io.Writer
	total     int
	start     time.Time
	lastDrawn time.Time
	everDrawn bool
}

func newProgressBar(w io.Writer, total int) *progressBar {
	return &progressBar{w: w, total: total, start: time.Now()}
}

func (p *progressBar) set(n int) {
	if p.w == nil || n < p.total && time.Since(p.lastDrawn) < 100*time.Millisecond {
		return
	}
	p.lastDrawn, p.everDrawn = time.Now(), true
	const width = 30
	filled := width * n / max(p.total, 1)
	rate := float64(n) / time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %.0f notes/s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), n, p.total, rate)
}

func (p *progressBar) done() {
	if p.w != nil && p.everDrawn {
		fmt.Fprintln(p.w)
	}
}
