package evaluate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CodiEspDoc is one line of the CodiEsp gold file: a clinical case report
// and the ICD-10-CM diagnosis codes the annotators assigned to it.
type CodiEspDoc struct {
	ID       string   `json:"id"`
	Split    string   `json:"split"`
	TextPath string   `json:"text_path"`
	Codes    []string `json:"icd10cm_dx"`
}

// ParseCodiEspGold reads gold.jsonl (one JSON object per line) and returns
// the documents of the given split, or of every split when split is "".
func ParseCodiEspGold(r io.Reader, split string) ([]CodiEspDoc, error) {
	var docs []CodiEspDoc
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var d CodiEspDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("evaluate: codiesp gold line %d: %w", line, err)
		}
		if d.ID == "" || d.TextPath == "" {
			return nil, fmt.Errorf("evaluate: codiesp gold line %d: missing id or text_path", line)
		}
		if filepath.IsAbs(d.TextPath) || strings.Contains(d.TextPath, "..") {
			return nil, fmt.Errorf("evaluate: codiesp gold line %d: text_path %q must stay inside the corpus folder", line, d.TextPath)
		}
		if split == "" || d.Split == split {
			docs = append(docs, d)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("evaluate: codiesp gold: %w", err)
	}
	return docs, nil
}

// LoadCodiEsp reads the gold file at path and the text of every document of
// split, which sit beside it (text_path is relative to the gold file's
// folder).
func LoadCodiEsp(path, split string) ([]CodiEspDoc, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: %w", err)
	}
	defer f.Close()
	docs, err := ParseCodiEspGold(f, split)
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Dir(path)
	texts := make([]string, len(docs))
	for i, d := range docs {
		b, err := os.ReadFile(filepath.Join(dir, d.TextPath))
		if err != nil {
			return nil, nil, fmt.Errorf("evaluate: codiesp document %s: %w", d.ID, err)
		}
		texts[i] = string(b)
	}
	return docs, texts, nil
}
