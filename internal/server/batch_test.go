package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/store"
)

func batchUpload(n int, prefix string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		note := fmt.Sprintf("%s visit %d: type 2 diabetes and cough.", prefix, i)
		if i%4 == 0 {
			note = fmt.Sprintf("%s visit %d: cough. Call 555-123-4567.", prefix, i)
		}
		fmt.Fprintf(&b, `{"id":"note-%d","note":%q,"no_phi_attested":true}`+"\n", i, note)
	}
	return b.String()
}

func TestBatchStreamsOutcomesWhileUploading(t *testing.T) {
	eachBackend(t, testBatchStreamsOutcomesWhileUploading)
}

// testBatchStreamsOutcomesWhileUploading sends notes one at a time through
// a pipe and waits for each note's outcome before sending the next: the
// response is read while the upload is still open (full duplex).
func testBatchStreamsOutcomesWhileUploading(t *testing.T, db backend) {
	s := start(t, db, nil)
	c := s.apiUser(t, newEmail("batch"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lines := strings.SplitAfter(batchUpload(8, canary), "\n")
	pr, pw := io.Pipe()
	next := make(chan struct{}, 1)
	go func() {
		for _, l := range lines[:8] {
			<-next
			pw.Write([]byte(l))
		}
		pw.Close()
	}()
	next <- struct{}{}
	var outcomes []*client.BatchLine
	b, err := c.SendBatch(ctx, pr, "sync", func(l *client.BatchLine) error {
		if l.Batch == nil {
			outcomes = append(outcomes, l)
			next <- struct{}{}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 8 || b.Status != "done" || b.Total != 8 || b.Failed != 2 {
		t.Fatalf("%d outcomes, batch %+v", len(outcomes), b)
	}
	for i, o := range outcomes {
		if o.Seq != i+1 || o.ID != fmt.Sprintf("note-%d", i+1) {
			t.Fatalf("outcome %d is %+v", i, o.Outcome)
		}
		if (o.Error != nil) != (o.Seq%4 == 0) || (o.Error != nil && o.Error.Code != "phi_found") {
			t.Fatalf("outcome %d: %+v", o.Seq, o.Error)
		}
	}
	// The outcomes are stored: progress and results, and history.
	got, err := c.GetBatch(ctx, b.ID)
	if err != nil || got.Done != 8 || got.Mode != "stream" {
		t.Fatalf("GetBatch = %+v, %v", got, err)
	}
	n := 0
	if err := c.BatchResults(ctx, b.ID, func(o *batch.Outcome) error { n++; return nil }); err != nil || n != 8 {
		t.Fatalf("results: %d, %v", n, err)
	}
	if page, _ := c.List(ctx, 1, 100, ""); page.Total != 6 {
		t.Fatalf("history holds %d analyses, want 6", page.Total)
	}
	if s.filesContain(t, canary) || strings.Contains(s.logs.String(), canary) {
		t.Fatal("a batch note reached the database files or the logs")
	}
}

func TestBatchAsyncFromTheStream(t *testing.T) { eachBackend(t, testBatchAsyncFromTheStream) }

// testBatchAsyncFromTheStream: outside BAA mode an async batch answers with
// its id at once and is coded from the upload; nothing is queued.
func testBatchAsyncFromTheStream(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_LIMIT_FREE": "10"})
	email := newEmail("async")
	c := s.apiUser(t, email)
	ctx := context.Background()
	pr, pw := io.Pipe()
	ids := make(chan string, 2)
	done := make(chan *client.Batch, 1)
	go func() {
		b, err := c.SendBatch(ctx, pr, "async", func(l *client.BatchLine) error {
			if l.Seq != 0 {
				return fmt.Errorf("an async batch streamed outcome %d", l.Seq)
			}
			ids <- l.Batch.ID
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		done <- b
	}()
	id := <-ids // before any note is sent
	if b, err := c.GetBatch(ctx, id); err != nil || b.Status != "receiving" || b.Mode != "stream" {
		t.Fatalf("batch while receiving: %+v, %v", b, err)
	}
	io.WriteString(pw, batchUpload(12, canary))
	pw.Close()
	b := <-done
	if b == nil || b.Status != "done" || b.Done != 12 {
		t.Fatalf("final batch %+v", b)
	}
	// Per-note limit: 9 clean notes, the limit is 10 (one used below).
	codes := map[string]int{}
	c.BatchResults(ctx, id, func(o *batch.Outcome) error {
		if o.Error != nil {
			codes[string(o.Error.Code)]++
		} else {
			codes["ok"]++
		}
		return nil
	})
	if codes["ok"] != 9 || codes["phi_found"] != 3 {
		t.Fatalf("outcomes %v", codes)
	}
	// The UI shows the batch and its progress, and offers the outcomes.
	web := s.browser(t)
	web.post("/signin", url.Values{"email": {email}, "password": {password}})
	for path, want := range map[string]string{
		"/batches":                    id,
		"/batches/" + id:              "12 of 12 notes have an outcome",
		"/batches/" + id + "/results": `"seq":12`,
	} {
		if status, body := web.get(path); status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d, lacks %q", path, status, want)
		}
	}
	if _, err := c.SendBatch(ctx, strings.NewReader(batchUpload(3, "more")), "sync", nil); err != nil {
		t.Fatal(err)
	}
	u, _ := c.Usage(ctx)
	if u.Used != 10 {
		t.Fatalf("usage %d, want 10 (the limit, reached within a batch)", u.Used)
	}
	if s.filesContain(t, canary) {
		t.Fatal("an async note reached the database files")
	}
}

func TestBatchQueuedOnlyUnderAnOrganizationsBAA(t *testing.T) {
	eachBackend(t, testBatchQueuedOnlyUnderAnOrganizationsBAA)
}

// testBatchQueuedOnlyUnderAnOrganizationsBAA: the organization's BAA is
// the one switch for holding notes. An async batch in the personal
// workspace or in an organization without a BAA is coded from the upload
// and leaves no note in the database files; in an organization under a
// BAA it is stored sealed, coded by background jobs in that workspace
// (the guard warns, each analysis audited), and the sealed notes are gone
// once it is done.
func testBatchQueuedOnlyUnderAnOrganizationsBAA(t *testing.T, db backend) {
	s := start(t, db, map[string]string{"MEDCODE_BATCH_CHUNK": "3"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	owner := s.newMember(t, "baa")
	plain, covered := s.newOrgCase(t, owner, nil), s.newOrgCase(t, owner, nil)
	covered.baa()
	for _, tc := range []struct {
		name string
		org  int64
		mode string
	}{
		{"personal", 0, "stream"},
		{"organization without a BAA", plain.owner.Org.ID, "stream"},
		{"organization under a BAA", covered.owner.Org.ID, "queued"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client.New(s.URL())
			c.Token, c.Org = owner.token, tc.org
			b, err := c.SendBatch(ctx, strings.NewReader(batchUpload(10, canary)), "async", nil)
			if err != nil {
				t.Fatal(err)
			}
			if b.Mode != tc.mode || b.Total != 10 {
				t.Fatalf("batch %+v, want mode %s", b, tc.mode)
			}
			for b.Status != "done" {
				time.Sleep(100 * time.Millisecond)
				if b, err = c.GetBatch(ctx, b.ID); err != nil {
					t.Fatal(err)
				}
			}
			// Outside BAA mode the guard blocks the notes with a phone
			// number; under the BAA it warns and codes them.
			failed := 2
			if tc.mode == "queued" {
				failed = 0
			}
			if b.Done != 10 || b.Failed != failed {
				t.Fatalf("finished batch %+v, want %d refused", b, failed)
			}
			if n := s.queryInt(t, "SELECT count(*) FROM batch_notes"); n != 0 {
				t.Fatalf("%d sealed notes kept after coding", n)
			}
			if s.filesContain(t, canary) {
				t.Fatal("a batch note reached the database files in clear")
			}
		})
	}
	if _, n, err := s.DB.ListAudit(ctx, store.AuditFilter{OrgID: covered.owner.Org.ID, Action: "analysis.create"}); err != nil || n != 10 {
		t.Fatalf("%d analyses of the queued batch audited, want 10 (%v)", n, err)
	}
	// The organization's batches show on its pages only.
	status, body := owner.web.get(plain.base() + "/batches")
	if status != http.StatusOK || !strings.Contains(body, plain.base()+"/batches/bt_") {
		t.Fatalf("GET %s/batches = %d, lists no batch", plain.base(), status)
	}
	if _, body := owner.web.get("/batches"); strings.Count(body, `href="/batches/bt_`) != 2 {
		t.Fatal("the personal batch page does not list exactly the personal batch")
	}
}
