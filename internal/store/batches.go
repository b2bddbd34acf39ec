package store

import (
	"context"
	"time"
)

// BatchMode says where a batch's notes live while they wait to be coded.
type BatchMode string

// The batch modes.
const (
	// BatchStream batches are coded straight from the request that uploads
	// them; their notes are never written anywhere.
	BatchStream BatchMode = "stream"
	// BatchQueued batches (BAA mode only) keep each note sealed in the
	// database until a background job codes it, then delete it.
	BatchQueued BatchMode = "queued"
)

// BatchStatus is where a batch is in its life.
type BatchStatus string

// The batch statuses.
const (
	BatchReceiving   BatchStatus = "receiving"   // the upload is still arriving
	BatchQueuedUp    BatchStatus = "queued"      // uploaded; background jobs are coding it
	BatchDone        BatchStatus = "done"        // every note has an outcome
	BatchInterrupted BatchStatus = "interrupted" // the upload stopped before its end; see Done for how far it got
)

// Batch is one submission of many notes.
type Batch struct {
	ID         string
	UserID     int64 // the sender
	OrgID      int64 // the organization whose workspace holds it; 0 for the sender's own
	Mode       BatchMode
	Status     BatchStatus
	Total      int // notes received so far (final once the upload ends)
	Done       int // notes with an outcome, coded or refused
	Failed     int // notes refused (PHI found, quota reached, invalid)
	CreatedAt  time.Time
	UpdatedAt  time.Time // last progress; a receiving batch that stops moving was abandoned
	FinishedAt time.Time // zero until done or interrupted
}

// BatchNote is one note of a queued batch, sealed (internal/crypto) with
// everything needed to code it.
type BatchNote struct {
	Seq    int
	Sealed []byte
}

// BatchItem is the outcome of one note of a batch.
type BatchItem struct {
	Seq        int
	AnalysisID string // the stored analysis; "" when the note was refused
	ErrorCode  string // the apperr code of a refusal; "" when coded
	// Outcome is sealed: the client's id for the note and a refusal's
	// message and details. It never holds note text.
	Outcome []byte
}

// BatchCompletion is one outcome to record.
type BatchCompletion struct {
	Item BatchItem
	// Analysis is inserted and counted against Quota with the item; nil
	// for a refused note. When the quota is reached the item is recorded
	// as refused instead: CompleteBatchItems sets its Item.ErrorCode to
	// quota_exceeded, clears Item.AnalysisID and sets Analysis to nil.
	Analysis *Analysis
	Quota    Quota
}

// Batches stores batches, the sealed notes of queued batches and the
// outcomes.
type Batches interface {
	// CreateBatch inserts b into the workspace of its sender and OrgID;
	// NotFound when the sender is not a member of the organization.
	CreateBatch(ctx context.Context, b *Batch) error
	// Batch returns one batch of the scope, NotFound otherwise.
	Batch(ctx context.Context, s Scope, id string) (*Batch, error)
	// ListBatches returns the scope's newest batches first.
	ListBatches(ctx context.Context, s Scope, limit int) ([]Batch, error)
	// AddBatchNotes stores sealed notes of a queued batch that is still
	// receiving.
	AddBatchNotes(ctx context.Context, batchID string, notes []BatchNote, now time.Time) error
	// PendingBatchNotes returns the notes with from ≤ seq ≤ to that have no
	// outcome yet, in order.
	PendingBatchNotes(ctx context.Context, batchID string, from, to int) ([]BatchNote, error)
	// CompleteBatchItems records outcomes in one transaction: for a queued
	// batch each note's sealed text is deleted with it, and an outcome
	// whose note is already gone (another worker recorded it) is skipped,
	// so every note is recorded exactly once. It returns how many were
	// recorded and marks the batch done when it has every outcome.
	CompleteBatchItems(ctx context.Context, batchID string, items []BatchCompletion, now time.Time) (int, error)
	// EndUpload records that the upload of a receiving batch ended after
	// total notes. When complete, a queued batch becomes queued and a batch
	// with every outcome done; otherwise (the client's stream broke) it
	// becomes interrupted and its sealed notes are deleted.
	EndUpload(ctx context.Context, batchID string, total int, complete bool, now time.Time) error
	// EachBatchItem calls fn for the scope's batch outcomes in order, with
	// the stored analysis (Record included) when there is one.
	EachBatchItem(ctx context.Context, s Scope, batchID string, fn func(*BatchItem, *Analysis) (bool, error)) error
	// InterruptStaleBatches marks the batches still receiving that have not
	// moved since before as interrupted, deletes their sealed notes, and
	// returns how many it marked.
	InterruptStaleBatches(ctx context.Context, before, now time.Time) (int, error)
}
