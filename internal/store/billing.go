package store

import (
	"context"
	"time"
)

// ClaimStatus is where a claim is on its way to payment.
type ClaimStatus string

// The claim statuses.
const (
	ClaimDraft    ClaimStatus = "draft"    // not sent yet
	ClaimExported ClaimStatus = "exported" // in an 837P batch, waiting for the payer
	ClaimPaid     ClaimStatus = "paid"     // the payer paid all or part of it
	ClaimDenied   ClaimStatus = "denied"   // the payer paid nothing
	ClaimReversed ClaimStatus = "reversed" // the payer took its payment back
)

// ClaimStatuses lists the statuses in the order of a claim's life.
var ClaimStatuses = []ClaimStatus{ClaimDraft, ClaimExported, ClaimPaid, ClaimDenied, ClaimReversed}

// Claim is one professional claim of a workspace. Body (the claim and
// its scrubber findings) is sealed: it holds the dates of service, the
// codes and, under a BAA, the patient's identity. The plain columns hold
// no identifier: ControlKey is a keyed hash of the claim's id (the patient
// control number, CLM01), so that an 835 finds its claim and an import
// its duplicates without the number being stored in the clear.
type Claim struct {
	ID         string
	OrgID      int64
	CreatedBy  int64 // 0 once the account is deleted
	ControlKey string
	Source     string // "analysis", "csv", "837p" or "api"
	AnalysisID string // the analysis it was made from, "" otherwise
	Status     ClaimStatus
	// Errors and Warnings count the scrubber's ERROR and WARN findings.
	Errors, Warnings int
	Charge           int64 // total charge, in cents
	Paid             int64 // sum of the payments posted, in cents
	KeyID            string
	Body             []byte
	CreatedAt        time.Time
	UpdatedAt        time.Time
	ExportedAt       time.Time // zero until first exported
}

// ClaimFilter selects claims for a list.
type ClaimFilter struct {
	Status        ClaimStatus // "": every status
	Limit, Offset int         // Limit 0: no limit
}

// Remittance is one posted 835 transaction. Body (the payment with its
// claims, adjustments and balancing result) is sealed; outside a BAA the
// patient names and ids were dropped before sealing. TraceKey, a keyed
// hash of the payer and the payment's trace number, keeps one payment
// from being posted twice.
type Remittance struct {
	ID        string
	OrgID     int64
	CreatedBy int64
	TraceKey  string
	Payment   int64 // BPR02, in cents
	Claims    int   // claim adjudications (CLP) in it
	Matched   int   // of them, those posted to a claim of the workspace
	Balanced  bool
	KeyID     string
	Body      []byte
	CreatedAt time.Time
}

// Posting is one claim adjudication of a remittance (its Seq-th CLP,
// from 1) and the claim it was posted to ("" when no claim of the
// workspace has its id).
type Posting struct {
	Seq     int
	ClaimID string
	Status  ClaimStatus // the claim's status after it
	Paid    int64       // CLP04, in cents (negative for a reversal)
}

// ClaimPosting is a posting as the claim sees it.
type ClaimPosting struct {
	RemittanceID string
	Seq          int
	Status       ClaimStatus
	Paid         int64
	PostedAt     time.Time
}

// BillingProfile is a workspace's billing set-up. Settings is the
// billing provider, charge master and trading partners as JSON (no
// PHI); Secret, sealed, keys the pseudonyms of de-identified patients
// and the claims' control keys.
type BillingProfile struct {
	OrgID    int64
	Settings string
	KeyID    string
	Secret   []byte
	// ControlNumber is the last 837P interchange control number used.
	ControlNumber int
}

// Claims stores a workspace's claims, remittances and billing profile.
// Every method acts in one workspace (Scope).
type Claims interface {
	// CreateClaims inserts claims in one transaction (setting OrgID and
	// CreatedBy from the scope); Conflict, inserting none, when a control
	// key is taken.
	CreateClaims(ctx context.Context, s Scope, cs []*Claim) error
	// Claim returns one claim of the scope; NotFound otherwise.
	Claim(ctx context.Context, s Scope, id string) (*Claim, error)
	// ClaimsByControlKey returns the scope's claims with the given control
	// keys, by key.
	ClaimsByControlKey(ctx context.Context, s Scope, keys []string) (map[string]*Claim, error)
	// ListClaims returns claims newest first, without Body, and the number
	// the filter selects.
	ListClaims(ctx context.Context, s Scope, f ClaimFilter) ([]Claim, int, error)
	// EachClaim calls fn for every claim of the scope, oldest first, with
	// its Body, until fn returns false or an error.
	EachClaim(ctx context.Context, s Scope, fn func(*Claim) (bool, error)) error
	// UpdateClaim replaces the control key, counts, charge, key and body
	// of one claim of the scope and sets UpdatedAt; Conflict when the new
	// control key is another claim's.
	UpdateClaim(ctx context.Context, s Scope, c *Claim) error
	// DeleteClaim removes a claim; its postings stay with their
	// remittances, unattached.
	DeleteClaim(ctx context.Context, s Scope, id string) error
	// MarkClaimsExported sets the draft claims among ids to exported and
	// stamps when each was first exported.
	MarkClaimsExported(ctx context.Context, s Scope, ids []string, now time.Time) error

	// PostRemittance stores r and its postings in one transaction; every
	// posting with a ClaimID moves that claim to the posting's status and
	// adds its payment. NotFound when a posted claim is not the scope's;
	// Conflict, posting nothing, when the trace key was posted before.
	PostRemittance(ctx context.Context, s Scope, r *Remittance, postings []Posting) error
	// Remittance returns one remittance of the scope with its postings.
	Remittance(ctx context.Context, s Scope, id string) (*Remittance, []Posting, error)
	// ListRemittances returns remittances newest first, without Body, and
	// the scope's total.
	ListRemittances(ctx context.Context, s Scope, limit, offset int) ([]Remittance, int, error)
	// ClaimPostings lists the postings to one claim, oldest first.
	ClaimPostings(ctx context.Context, s Scope, claimID string) ([]ClaimPosting, error)

	// BillingProfile returns the scope's billing profile, creating it
	// with the sealed secret (and its key) given when there is none yet:
	// concurrent first calls agree on one secret.
	BillingProfile(ctx context.Context, s Scope, secret []byte, keyID string) (*BillingProfile, error)
	// SaveBillingSettings replaces the settings of the scope's profile.
	SaveBillingSettings(ctx context.Context, s Scope, settings string) error
	// NextControlNumber advances the scope's interchange control number
	// and returns it (1 to 999999999, then 1 again).
	NextControlNumber(ctx context.Context, s Scope) (int, error)
}

// ReportStatus is where a revenue report is in its life.
type ReportStatus string

// The report statuses.
const (
	ReportQueued  ReportStatus = "queued"  // uploaded, waiting for a job
	ReportRunning ReportStatus = "running" // a job is building it
	ReportDone    ReportStatus = "done"    // built; the uploads are deleted
	ReportFailed  ReportStatus = "failed"  // could not be built; the uploads are deleted
)

// Report is one 60-day revenue report of a workspace. Uploads wait,
// sealed, in their own rows until the job that builds the report deletes
// them. Summary, Body (the built report, compressed) and PDF are sealed.
type Report struct {
	ID        string
	OrgID     int64
	CreatedBy int64
	Status    ReportStatus
	// Stage says what the job is doing, for the progress shown while it
	// runs; Error says why a failed report failed (never data).
	Stage string
	Error string
	// Files and Bytes describe the upload.
	Files      int
	Bytes      int64
	KeyID      string
	Summary    []byte
	Body       []byte // nil unless asked for (ReportBody)
	PDF        []byte // nil unless asked for (ReportPDF)
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	SeenAt     time.Time // when its requester first opened it after it finished
}

// ReportUpload is one sealed uploaded file of a queued report.
type ReportUpload struct {
	Seq    int
	Kind   string // "claims", "remits" or "notes"
	Sealed []byte
}

// ReportResult is what a job stores for a built report.
type ReportResult struct {
	KeyID   string
	Summary []byte
	Body    []byte
	PDF     []byte
}

// ReportPurge is what a retention purge removed from one organization.
type ReportPurge struct {
	OrgID   int64
	Reports int
}

// Reports stores revenue reports and their uploads. The scoped methods
// act in one workspace; the job's methods (StartReport, ReportStage,
// FinishReport, FailReport) name the report alone, as the job acts for
// the requester.
type Reports interface {
	// CreateReport inserts r (queued) with its sealed uploads in the
	// scope's workspace.
	CreateReport(ctx context.Context, s Scope, r *Report, uploads []ReportUpload) error
	// Report returns one report of the scope without Body and PDF.
	Report(ctx context.Context, s Scope, id string) (*Report, error)
	// ReportBody and ReportPDF return one done report of the scope with
	// that blob; NotFound when the report is not the scope's or not done.
	ReportBody(ctx context.Context, s Scope, id string) (*Report, error)
	ReportPDF(ctx context.Context, s Scope, id string) (*Report, error)
	// ListReports returns the scope's reports newest first, without Body
	// and PDF.
	ListReports(ctx context.Context, s Scope, limit int) ([]Report, error)
	// DeleteReport removes a report and its uploads.
	DeleteReport(ctx context.Context, s Scope, id string) error
	// MarkReportSeen records that the requester opened a finished report.
	MarkReportSeen(ctx context.Context, s Scope, id string, now time.Time) error
	// UnseenReports lists the finished (done or failed) reports the user
	// asked for and has not opened, in the workspaces the user is still
	// in, newest first, without Body and PDF.
	UnseenReports(ctx context.Context, userID int64) ([]Report, error)

	// StartReport marks a queued or running report running and returns
	// it with its uploads; a done or failed one comes back as it is,
	// without uploads. NotFound when it was deleted.
	StartReport(ctx context.Context, id string, now time.Time) (*Report, []ReportUpload, error)
	// ReportStage records the progress of a running report.
	ReportStage(ctx context.Context, id, stage string) error
	// FinishReport stores a built report, marks it done and deletes its
	// uploads, in one transaction.
	FinishReport(ctx context.Context, id string, res ReportResult, now time.Time) error
	// FailReport marks a report failed with reason and deletes its uploads.
	FailReport(ctx context.Context, id, reason string, now time.Time) error
	// AbandonReports fails, with reason, the reports queued or running
	// since before (their job was lost or gave up) and deletes their
	// uploads; it returns how many.
	AbandonReports(ctx context.Context, before time.Time, reason string, now time.Time) (int, error)
	// PurgeReports deletes, in every organization with a retention
	// period, the reports created before now minus the period.
	PurgeReports(ctx context.Context, now time.Time) ([]ReportPurge, error)
}
