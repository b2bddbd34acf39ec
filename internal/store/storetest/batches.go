package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/store"
)

func mustBatch(t *testing.T, s store.Store, u *store.User, id string, mode store.BatchMode) {
	t.Helper()
	b := &store.Batch{ID: id, UserID: u.ID, Mode: mode, Status: store.BatchReceiving, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

// coded is the completion of a coded note; refused that of a refused one.
func coded(u *store.User, seq int, q store.Quota) store.BatchCompletion {
	id := fmt.Sprintf("b-an-%d-%d", u.ID, seq)
	return store.BatchCompletion{Item: store.BatchItem{Seq: seq, AnalysisID: id, Outcome: []byte("o")},
		Analysis: analysis(id, "h", t0), Quota: q}
}

func refused(seq int) store.BatchCompletion {
	return store.BatchCompletion{Item: store.BatchItem{Seq: seq, ErrorCode: string(apperr.PHIFound), Outcome: []byte("o")}}
}

func getBatch(t *testing.T, s store.Store, u *store.User, id string) *store.Batch {
	t.Helper()
	b, err := s.Batch(context.Background(), store.Scope{UserID: u.ID}, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func items(t *testing.T, s store.Store, u *store.User, id string) string {
	t.Helper()
	out := ""
	err := s.EachBatchItem(context.Background(), store.Scope{UserID: u.ID}, id, func(it *store.BatchItem, a *store.Analysis) (bool, error) {
		switch {
		case a != nil:
			if a.ID != it.AnalysisID || len(a.Record) == 0 {
				return false, fmt.Errorf("item %d joined %+v", it.Seq, a)
			}
			out += fmt.Sprintf("%d:ok ", it.Seq)
		default:
			out += fmt.Sprintf("%d:%s ", it.Seq, it.ErrorCode)
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testStreamBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	u, other := mustUser(t, s, "batch@example.org"), mustUser(t, s, "other-batch@example.org")
	mustBatch(t, s, u, "bt-1", store.BatchStream)
	q := store.Quota{Month: "2026-03", Count: true}
	n, err := s.CompleteBatchItems(ctx, "bt-1", []store.BatchCompletion{coded(u, 2, q), refused(1)}, t0.Add(time.Second))
	if err != nil || n != 2 {
		t.Fatalf("CompleteBatchItems = %d, %v", n, err)
	}
	if b := getBatch(t, s, u, "bt-1"); b.Status != store.BatchReceiving || b.Done != 2 || b.Failed != 1 || !b.UpdatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("batch while receiving: %+v", b)
	}
	if _, err := s.CompleteBatchItems(ctx, "bt-1", []store.BatchCompletion{coded(u, 3, q)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.EndUpload(ctx, "bt-1", 3, true, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	b := getBatch(t, s, u, "bt-1")
	if b.Status != store.BatchDone || b.Total != 3 || !b.FinishedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("finished batch: %+v", b)
	}
	wantCode(t, s.EndUpload(ctx, "bt-1", 3, true, t0), apperr.NotFound)
	if got := items(t, s, u, "bt-1"); got != "1:phi_found 2:ok 3:ok " {
		t.Fatalf("items %q", got)
	}
	if n, _ := s.Usage(ctx, store.Personal(u.ID), "2026-03"); n != 2 {
		t.Fatalf("usage %d, want 2", n)
	}
	// Another user sees nothing of it.
	_, err = s.Batch(ctx, store.Scope{UserID: other.ID}, "bt-1")
	wantCode(t, err, apperr.NotFound)
	wantCode(t, s.EachBatchItem(ctx, store.Scope{UserID: other.ID}, "bt-1", func(*store.BatchItem, *store.Analysis) (bool, error) {
		t.Fatal("other user read an item")
		return false, nil
	}), apperr.NotFound)
	if list, _ := s.ListBatches(ctx, store.Scope{UserID: other.ID}, 10); len(list) != 0 {
		t.Fatalf("other user lists %d batches", len(list))
	}
	// A deleted analysis leaves its item without a record.
	if err := s.DeleteAnalysis(ctx, store.Scope{UserID: u.ID}, fmt.Sprintf("b-an-%d-2", u.ID)); err != nil {
		t.Fatal(err)
	}
	if got := items(t, s, u, "bt-1"); got != "1:phi_found 2: 3:ok " {
		t.Fatalf("items after deleting an analysis: %q", got)
	}
}

func testQueuedBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "queued@example.org")
	mustBatch(t, s, u, "bq-1", store.BatchQueued)
	var notes []store.BatchNote
	for seq := 1; seq <= 5; seq++ {
		notes = append(notes, store.BatchNote{Seq: seq, Sealed: []byte(fmt.Sprintf("sealed-%d", seq))})
	}
	if err := s.AddBatchNotes(ctx, "bq-1", notes[:3], t0); err != nil {
		t.Fatal(err)
	}
	if err := s.AddBatchNotes(ctx, "bq-1", notes[3:], t0); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingBatchNotes(ctx, "bq-1", 2, 4)
	if err != nil || len(pending) != 3 || pending[0].Seq != 2 || string(pending[2].Sealed) != "sealed-4" {
		t.Fatalf("PendingBatchNotes = %v, %v", pending, err)
	}
	q := store.Quota{Month: "2026-03", Count: true}
	// Two workers record the same notes: each note counts once.
	if n, err := s.CompleteBatchItems(ctx, "bq-1", []store.BatchCompletion{coded(u, 1, q), coded(u, 2, q)}, t0); err != nil || n != 2 {
		t.Fatalf("first worker recorded %d, %v", n, err)
	}
	dup := []store.BatchCompletion{coded(u, 2, q), coded(u, 3, q)}
	dup[0].Item.AnalysisID, dup[0].Analysis.ID = "b-an-dup", "b-an-dup"
	if n, err := s.CompleteBatchItems(ctx, "bq-1", dup, t0); err != nil || n != 1 {
		t.Fatalf("second worker recorded %d, %v; want only note 3", n, err)
	}
	if pending, _ := s.PendingBatchNotes(ctx, "bq-1", 1, 5); len(pending) != 2 {
		t.Fatalf("%d notes pending, want 2 (their text is deleted once coded)", len(pending))
	}
	if err := s.EndUpload(ctx, "bq-1", 5, true, t0); err != nil {
		t.Fatal(err)
	}
	if b := getBatch(t, s, u, "bq-1"); b.Status != store.BatchQueuedUp || b.Done != 3 || b.Total != 5 {
		t.Fatalf("queued batch: %+v", b)
	}
	if _, err := s.CompleteBatchItems(ctx, "bq-1", []store.BatchCompletion{coded(u, 4, q), refused(5)}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b := getBatch(t, s, u, "bq-1")
	if b.Status != store.BatchDone || b.Done != 5 || b.Failed != 1 || !b.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("completed batch: %+v", b)
	}
	if n, _ := s.Usage(ctx, store.Personal(u.ID), "2026-03"); n != 4 {
		t.Fatalf("usage %d, want 4", n)
	}
	if _, err := s.Analysis(ctx, store.Scope{UserID: u.ID}, "b-an-dup"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatal("the duplicate worker's analysis was stored")
	}
	if got := items(t, s, u, "bq-1"); got != "1:ok 2:ok 3:ok 4:ok 5:phi_found " {
		t.Fatalf("items %q", got)
	}
	if err := s.AddBatchNotes(ctx, "bq-1", notes[:1], t0); err == nil {
		t.Fatal("notes added to a finished batch")
	}
}

func testBatchQuota(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "quota-batch@example.org")
	mustBatch(t, s, u, "bz-1", store.BatchStream)
	q := store.Quota{Month: "2026-03", Limit: 3, Count: true}
	if _, err := s.CompleteBatchItems(ctx, "bz-1", []store.BatchCompletion{coded(u, 1, q)}, t0); err != nil {
		t.Fatal(err)
	}
	cached := coded(u, 5, store.Quota{Month: "2026-03", Limit: 3})
	cached.Analysis.Cached = true
	group := []store.BatchCompletion{coded(u, 2, q), coded(u, 3, q), coded(u, 4, q), cached}
	n, err := s.CompleteBatchItems(ctx, "bz-1", group, t0)
	if err != nil || n != 4 {
		t.Fatalf("CompleteBatchItems = %d, %v", n, err)
	}
	if over := group[2]; over.Item.ErrorCode != string(apperr.QuotaExceeded) || over.Item.AnalysisID != "" || over.Analysis != nil {
		t.Fatalf("the note over the quota is not marked refused in place: %+v", over)
	}
	if group[1].Item.ErrorCode != "" || group[1].Analysis == nil {
		t.Fatalf("a note within the quota was marked: %+v", group[1])
	}
	if got := items(t, s, u, "bz-1"); got != "1:ok 2:ok 3:ok 4:quota_exceeded 5:ok " {
		t.Fatalf("items %q", got)
	}
	if n, _ := s.Usage(ctx, store.Personal(u.ID), "2026-03"); n != 3 {
		t.Fatalf("usage %d, want 3", n)
	}
	if b := getBatch(t, s, u, "bz-1"); b.Failed != 1 || b.Done != 5 {
		t.Fatalf("batch %+v", b)
	}
}

func testBatchInterrupted(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := mustUser(t, s, "stale@example.org")
	mustBatch(t, s, u, "bs-old", store.BatchQueued)
	mustBatch(t, s, u, "bs-new", store.BatchQueued)
	mustBatch(t, s, u, "bs-broken", store.BatchQueued)
	for _, id := range []string{"bs-old", "bs-new", "bs-broken"} {
		at := t0
		if id == "bs-new" {
			at = t0.Add(time.Hour)
		}
		if err := s.AddBatchNotes(ctx, id, []store.BatchNote{{Seq: 1, Sealed: []byte("x")}}, at); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.InterruptStaleBatches(ctx, t0.Add(time.Minute), t0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("InterruptStaleBatches = %d, %v; want bs-old and bs-broken", n, err)
	}
	if b := getBatch(t, s, u, "bs-new"); b.Status != store.BatchReceiving {
		t.Fatalf("a moving batch was interrupted: %+v", b)
	}
	if err := s.EndUpload(ctx, "bs-new", 1, false, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"bs-old", "bs-new", "bs-broken"} {
		b := getBatch(t, s, u, id)
		if b.Status != store.BatchInterrupted || b.FinishedAt.IsZero() {
			t.Errorf("%s: %+v", id, b)
		}
		if pending, _ := s.PendingBatchNotes(ctx, id, 0, 10); len(pending) != 0 {
			t.Errorf("%s keeps %d sealed notes after being interrupted", id, len(pending))
		}
	}
	list, err := s.ListBatches(ctx, store.Scope{UserID: u.ID}, 2)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListBatches = %v, %v", list, err)
	}
}
