package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/medcode/medcode/internal/batch"
)

// Batch is a batch's progress.
type Batch struct {
	ID         string     `json:"id"`
	Mode       string     `json:"mode"`
	Status     string     `json:"status"`
	Total      int        `json:"total"`
	Done       int        `json:"done"`
	Failed     int        `json:"failed"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at"`
	ResultsURL string     `json:"results_url"`
}

// BatchLine is one line of a batch response: an outcome (Seq > 0) or the
// batch's status (Batch set). A broken upload's last line, an error,
// is returned by SendBatch as its error.
type BatchLine struct {
	batch.Outcome
	Batch *Batch `json:"batch"`
}

// SendBatch uploads body (NDJSON notes) to the workspace's batches in mode
// "sync" or "async" and calls fn for each response line as it arrives,
// while the upload may still be going on. It returns the last status
// line's batch.
func (c *Client) SendBatch(ctx context.Context, body io.Reader, mode string, fn func(*BatchLine) error) (*Batch, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+c.workspace()+"/batches?mode="+url.QueryEscape(mode), body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: sending a batch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return nil, decodeError(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var last *Batch
	for sc.Scan() {
		var line BatchLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return last, fmt.Errorf("client: batch response line: %w", err)
		}
		if line.Seq == 0 && line.Error != nil {
			return last, &Error{Status: resp.StatusCode, Code: string(line.Error.Code), Message: line.Error.Message}
		}
		if line.Batch != nil {
			last = line.Batch
		}
		if fn != nil {
			if err := fn(&line); err != nil {
				return last, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return last, fmt.Errorf("client: reading the batch response: %w", err)
	}
	return last, nil
}

// GetBatch returns a batch's progress.
func (c *Client) GetBatch(ctx context.Context, id string) (*Batch, error) {
	var out Batch
	if err := c.do(ctx, http.MethodGet, c.workspace()+"/batches/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BatchResults calls fn for each stored outcome of a batch, in order.
func (c *Client) BatchResults(ctx context.Context, id string, fn func(*batch.Outcome) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+c.workspace()+"/batches/"+url.PathEscape(id)+"/results", nil)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("client: batch results: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return decodeError(resp)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var o batch.Outcome
		if err := dec.Decode(&o); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("client: batch results: %w", err)
		}
		if err := fn(&o); err != nil {
			return err
		}
	}
}
