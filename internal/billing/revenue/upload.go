package revenue

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/billing/upload"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/org"
	"github.com/medcode/medcode/internal/phi"
	"github.com/medcode/medcode/internal/report"
	"github.com/medcode/medcode/internal/store"
)

// Upload is what a user sends for a report.
type Upload struct {
	Claims upload.File
	Remits []upload.File
	// Notes is a zip of visit notes named <claim id>.txt; nil for none.
	Notes *upload.File
	// Attested is the user's statement that the notes hold no PHI,
	// required outside a BAA when notes are sent.
	Attested bool
}

// The kinds of stored uploads.
const (
	kindClaims = "claims"
	kindRemits = "remits"
	kindNotes  = "notes"
)

// Blocked is one note the PHI guard stopped: its file and what it found
// (kinds and counts, never text).
type Blocked struct {
	File   string           `json:"file"`
	Counts map[phi.Kind]int `json:"counts"`
}

// Create checks and parses an upload, seals what the report needs and
// queues the job that builds it.
func (s *Service) Create(ctx context.Context, ws org.Workspace, up Upload) (*Report, error) {
	if err := ws.Require(org.CreateReport); err != nil {
		return nil, err
	}
	total := int64(len(up.Claims.Data))
	for _, f := range up.Remits {
		total += int64(len(f.Data))
	}
	if up.Notes != nil {
		total += int64(len(up.Notes.Data))
	}
	if total > s.cfg.MaxUploadBytes {
		return nil, apperr.New(apperr.TooLarge, "The files add up to %d bytes; the limit is %d.", total, s.cfg.MaxUploadBytes)
	}
	if len(up.Claims.Data) == 0 {
		return nil, apperr.New(apperr.Invalid, "Upload the claims: a claims CSV or an 837P file.")
	}
	cs, err := report.ReadClaims(up.Claims.Name, up.Claims.Data)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "%s", err.Error())
	}
	if len(cs) == 0 {
		return nil, apperr.New(apperr.Invalid, "%s holds no claims.", up.Claims.Name)
	}
	seen := make(map[string]bool, len(cs))
	for _, c := range cs {
		if seen[c.ID] {
			return nil, apperr.New(apperr.Invalid, "%s: claim id %s appears twice; claim ids join the claims to the remittances and notes, so each must be unique.", up.Claims.Name, c.ID)
		}
		seen[c.ID] = true
	}
	if !ws.BAA() {
		secret, err := s.secrets.Secret(ctx, ws)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			claims.Deidentify(c, secret)
		}
	}
	var remits [][]*x835.Remittance
	nRemits := 0
	for _, f := range up.Remits {
		if len(f.Data) == 0 {
			continue
		}
		rs, err := report.ReadRemittances(f.Name, f.Data)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "%s", err.Error())
		}
		remits = append(remits, rs)
		nRemits += len(rs)
	}
	var notes []byte
	var guarded noteCheck
	if up.Notes != nil && len(up.Notes.Data) > 0 {
		if notes, guarded, err = s.guardNotes(ws, *up.Notes, up.Attested); err != nil {
			return nil, err
		}
	}

	id, err := newID()
	if err != nil {
		return nil, err
	}
	var uploads []store.ReportUpload
	add := func(kind string, plain []byte) error {
		u := store.ReportUpload{Seq: len(uploads) + 1, Kind: kind}
		sealed, err := s.keys.Seal(plain, uploadAAD(id, u))
		if err != nil {
			return err
		}
		u.Sealed = sealed
		uploads = append(uploads, u)
		return nil
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return nil, fmt.Errorf("revenue: encoding claims: %w", err)
	}
	if err := add(kindClaims, b); err != nil {
		return nil, err
	}
	for _, rs := range remits {
		if b, err = json.Marshal(rs); err != nil {
			return nil, fmt.Errorf("revenue: encoding remittances: %w", err)
		}
		if err := add(kindRemits, b); err != nil {
			return nil, err
		}
	}
	if notes != nil {
		if err := add(kindNotes, notes); err != nil {
			return nil, err
		}
	}
	files := 1 + len(remits)
	if notes != nil {
		files++
	}
	row := &store.Report{ID: id, Status: store.ReportQueued, Stage: "waiting for a worker", Files: files, Bytes: total,
		KeyID: s.keys.ActiveID(), CreatedAt: s.Now()}
	if err := s.db.CreateReport(ctx, ws.Scope(), row, uploads); err != nil {
		return nil, err
	}
	params, err := json.Marshal(jobParams{Report: id})
	if err != nil {
		return nil, err
	}
	if err := s.queue.EnqueueReport(ctx, jobs.ReportArgs{Report: JobName, OwnerID: ws.User.ID, Params: params}); err != nil {
		// Nothing will build it: do not keep the uploads.
		if ferr := s.db.FailReport(context.WithoutCancel(ctx), id, "it could not be queued; upload the files again", s.Now()); ferr != nil {
			return nil, errors.Join(err, ferr)
		}
		return nil, err
	}
	s.log.Info("revenue report queued", "report", id, "org", ws.OrgID(), "user", ws.User.ID, "claims", len(cs), "remittances", nRemits,
		"notes", guarded.notes)
	if err := s.record(ctx, ws, audit.ReportCreate, id, map[string]any{"claims": len(cs), "remittances": nRemits, "notes": guarded.notes,
		"notes_redacted": guarded.redacted, "notes_with_phi": guarded.warned, "bytes": total}); err != nil {
		return nil, err
	}
	return s.view(row)
}

// jobParams are the parameters of the report job: the report alone,
// never data.
type jobParams struct {
	Report string `json:"report"`
}

// noteCheck counts what the PHI guard did with the notes.
type noteCheck struct {
	notes, redacted, warned int
}

// guardNotes reads a zip of notes, passes every note through the PHI
// guard and packs the notes to keep into a new zip: the originals
// outside a BAA when clean, redacted by the redact policy, and as they
// are under a BAA. Outside a BAA an unattested upload is refused, and by
// the block policy so is one whose notes hold identifiers, naming the
// files and what was found in them.
func (s *Service) guardNotes(ws org.Workspace, f upload.File, attested bool) ([]byte, noteCheck, error) {
	var check noteCheck
	zr, err := zip.NewReader(bytes.NewReader(f.Data), int64(len(f.Data)))
	if err != nil {
		return nil, check, apperr.New(apperr.Invalid, "%s is not a zip archive of notes: %v.", f.Name, err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	var blocked []Blocked
	// The notes' text is bounded as a whole too, as a small zip can
	// inflate to far more than it weighs.
	var textBytes int64
	for _, zf := range zr.File {
		name := zf.Name
		if zf.FileInfo().IsDir() || !strings.EqualFold(path.Ext(name), ".txt") || hidden(name) {
			continue
		}
		if check.notes++; check.notes > s.cfg.MaxNotes {
			return nil, check, apperr.New(apperr.TooLarge, "%s holds more than %d notes.", f.Name, s.cfg.MaxNotes)
		}
		if zf.UncompressedSize64 > uint64(s.cfg.MaxNoteBytes) {
			return nil, check, apperr.New(apperr.TooLarge, "%s: note %s is larger than %d bytes.", f.Name, name, s.cfg.MaxNoteBytes)
		}
		text, err := readNote(zf, s.cfg.MaxNoteBytes)
		if err != nil {
			return nil, check, apperr.New(apperr.Invalid, "%s: note %s: %v.", f.Name, name, err)
		}
		if textBytes += int64(len(text)); textBytes > s.cfg.MaxUploadBytes {
			return nil, check, apperr.New(apperr.TooLarge, "The notes in %s add up to more than %d bytes of text.", f.Name, s.cfg.MaxUploadBytes)
		}
		if !ws.BAA() && !attested {
			return nil, check, apperr.New(apperr.Invalid, "Confirm that the notes contain no protected health information (PHI) before uploading them, or upload without the notes.")
		}
		d, err := s.guard.Check(phi.Request{Text: text, AttestedNoPHI: attested, BAAMode: ws.BAA()})
		if err != nil {
			return nil, check, fmt.Errorf("revenue: PHI guard: %w", err)
		}
		switch d.Outcome {
		case phi.OutcomeBlocked:
			blocked = append(blocked, Blocked{File: name, Counts: d.Counts})
			continue
		case phi.OutcomeRedacted:
			check.redacted++
		case phi.OutcomeWarned:
			check.warned++
		}
		w, err := zw.Create(name)
		if err != nil {
			return nil, check, fmt.Errorf("revenue: packing notes: %w", err)
		}
		if _, err := io.WriteString(w, d.Text); err != nil {
			return nil, check, fmt.Errorf("revenue: packing notes: %w", err)
		}
	}
	if len(blocked) > 0 {
		sort.Slice(blocked, func(i, j int) bool { return blocked[i].File < blocked[j].File })
		names := make([]string, 0, min(len(blocked), 10))
		for _, b := range blocked[:min(len(blocked), 10)] {
			names = append(names, b.File)
		}
		return nil, check, apperr.New(apperr.PHIFound,
			"%d of the %d notes appear to contain protected health information (%s%s). Remove or de-identify the identifiers and upload again, or upload without the notes.",
			len(blocked), check.notes, strings.Join(names, ", "), more(len(blocked), len(names))).WithDetails(map[string]any{"notes": blocked})
	}
	if check.notes == 0 {
		return nil, check, apperr.New(apperr.Invalid, "%s holds no notes: put each visit note in a text file named after its claim, <claim id>.txt.", f.Name)
	}
	if err := zw.Close(); err != nil {
		return nil, check, fmt.Errorf("revenue: packing notes: %w", err)
	}
	return out.Bytes(), check, nil
}

func more(all, shown int) string {
	if all == shown {
		return ""
	}
	return fmt.Sprintf(" and %d more", all-shown)
}

// hidden reports whether a path lies in a hidden directory or is a
// hidden file (the report skips them; so do uploads, which drops the
// files archivers add, such as __MACOSX/._x.txt).
func hidden(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") || part == "__MACOSX" {
			return true
		}
	}
	return false
}

// readNote reads one note of at most limit bytes as UTF-8 text.
func readNote(zf *zip.File, limit int) (string, error) {
	rc, err := zf.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	// The header's size may lie: read one byte more than allowed.
	b, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	if err != nil {
		return "", err
	}
	if len(b) > limit {
		return "", fmt.Errorf("larger than %d bytes", limit)
	}
	if !utf8.Valid(b) {
		return "", errors.New("not UTF-8 text")
	}
	return string(b), nil
}
