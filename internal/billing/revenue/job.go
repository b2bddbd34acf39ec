package revenue

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/claims"
	"github.com/medcode/medcode/internal/claims/scrub/codesetsrc"
	"github.com/medcode/medcode/internal/claims/x835"
	"github.com/medcode/medcode/internal/jobs"
	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/report"
	"github.com/medcode/medcode/internal/store"
)

// Run builds one report: the job's handler (jobs.Handlers.Reports under
// JobName). It may run again for a report after a crash: a done or
// failed report is left alone, a running one is built again. A report
// whose input cannot make a report fails at once with the reason; other
// errors are retried, and on the job's last attempt the report fails.
// Either way the uploads are deleted with the outcome.
func (s *Service) Run(ctx context.Context, job jobs.ReportJob) error {
	var p jobParams
	if err := json.Unmarshal(job.Params, &p); err != nil || p.Report == "" {
		return fmt.Errorf("revenue: job parameters %s: %v", job.Params, err)
	}
	r, uploads, err := s.db.StartReport(ctx, p.Report, s.Now())
	if apperr.Is(err, apperr.NotFound) {
		return nil // deleted while it waited
	}
	if err != nil {
		return err
	}
	if r.Status == store.ReportDone || r.Status == store.ReportFailed {
		return nil
	}
	built, err := s.build(ctx, r, uploads)
	var bad *badInput
	switch {
	case errors.As(err, &bad):
		return s.fail(ctx, r, bad.Error())
	case err != nil && job.LastAttempt:
		s.log.Error("revenue report failed", "report", r.ID, "err", err)
		return errors.Join(err, s.fail(ctx, r, "it could not be built; upload the files again, and tell us if it happens again"))
	case err != nil:
		return err
	}
	now := s.Now()
	if err := s.db.FinishReport(ctx, r.ID, *built, now); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil // deleted while it was built
		}
		return err
	}
	s.log.Info("revenue report built", "report", r.ID, "org", r.OrgID, "seconds", now.Sub(r.StartedAt).Seconds())
	s.notify(ctx, r, "Your 60-day revenue analysis is ready",
		"Your 60-day revenue analysis is ready. Open it here:\n\n%s\n\nThe files you uploaded have been deleted now that the report is built.\n")
	return nil
}

// badInput is an upload that cannot make a report: retrying changes
// nothing.
type badInput struct{ err error }

func (e *badInput) Error() string { return e.err.Error() }

// fail records a report's failure, deletes its uploads and tells the
// requester.
func (s *Service) fail(ctx context.Context, r *store.Report, reason string) error {
	if err := s.db.FailReport(context.WithoutCancel(ctx), r.ID, reason, s.Now()); err != nil {
		return err
	}
	s.log.Warn("revenue report not built", "report", r.ID, "org", r.OrgID)
	s.notify(ctx, r, "Your 60-day revenue analysis could not be built",
		"Your 60-day revenue analysis could not be built. The reason is on its page:\n\n%s\n\nThe files you uploaded have been deleted.\n")
	return nil
}

// link is the address of a report's page.
func (s *Service) link(r *store.Report) string {
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	if r.OrgID != 0 {
		base += "/orgs/" + strconv.FormatInt(r.OrgID, 10)
	}
	return base + "/reports/" + r.ID
}

// notify emails the requester a link (no figures, no data); the app's
// notice needs nothing more than the report's state.
func (s *Service) notify(ctx context.Context, r *store.Report, subject, body string) {
	if s.mail == nil || r.CreatedBy == 0 {
		return
	}
	u, err := s.db.UserByID(ctx, r.CreatedBy)
	if err != nil {
		s.log.Warn("report notification: no requester", "report", r.ID, "err", err)
		return
	}
	if err := s.mail.Send(ctx, mail.Message{To: u.Email, Subject: subject, Body: fmt.Sprintf(body, s.link(r))}); err != nil {
		// The notice in the app still shows it.
		s.log.Warn("report notification not sent", "report", r.ID, "err", err)
	}
}

// build opens the uploads and builds, renders and seals the report.
func (s *Service) build(ctx context.Context, r *store.Report, uploads []store.ReportUpload) (*store.ReportResult, error) {
	if s.codes == nil {
		return nil, &badInput{errors.New("this server has no code sets installed to price the report")}
	}
	s.stage(ctx, r.ID, "reading the uploaded files")
	in, err := s.input(r.ID, uploads)
	if err != nil {
		return nil, err
	}
	cfg := report.Config{Locality: s.cfg.Locality, ScrubSources: codesetsrc.Sources(s.codes), Workers: s.cfg.Workers}
	if cfg.Schedule, cfg.ScheduleName, err = report.FeeSchedule(s.codes, in.Claims); err != nil {
		return nil, &badInput{err}
	}
	if in.Notes != nil {
		cfg.Coder = s.coder
		cfg.Progress = s.progress(ctx, r.ID)
		s.stage(ctx, r.ID, "checking claims and re-coding the notes")
	} else {
		s.stage(ctx, r.ID, "checking claims and remittances")
	}
	rep, err := report.Build(ctx, in, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &badInput{err}
	}
	s.stage(ctx, r.ID, "writing the PDF")
	var pdf bytes.Buffer
	if err := rep.WritePDF(&pdf); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	if err := json.NewEncoder(zw).Encode(rep); err != nil {
		return nil, fmt.Errorf("revenue: encoding report %s: %w", r.ID, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("revenue: encoding report %s: %w", r.ID, err)
	}
	res := &store.ReportResult{KeyID: s.keys.ActiveID()}
	if res.Summary, err = s.sealJSON(r.ID, "summary", summaryOf(rep)); err != nil {
		return nil, err
	}
	if res.Body, err = s.keys.Seal(body.Bytes(), aad(r.ID, "body")); err != nil {
		return nil, err
	}
	if res.PDF, err = s.keys.Seal(pdf.Bytes(), aad(r.ID, "pdf")); err != nil {
		return nil, err
	}
	return res, nil
}

// input opens the sealed uploads into the report's input.
func (s *Service) input(id string, uploads []store.ReportUpload) (report.Input, error) {
	var in report.Input
	for _, u := range uploads {
		plain, err := s.keys.Open(u.Sealed, uploadAAD(id, u))
		if err != nil {
			return in, fmt.Errorf("revenue: opening upload %d of %s: %w", u.Seq, id, err)
		}
		switch u.Kind {
		case kindClaims:
			var cs []*claims.Claim
			if err := json.Unmarshal(plain, &cs); err != nil {
				return in, fmt.Errorf("revenue: claims of %s: %w", id, err)
			}
			in.Claims = append(in.Claims, cs...)
		case kindRemits:
			var rs []*x835.Remittance
			if err := json.Unmarshal(plain, &rs); err != nil {
				return in, fmt.Errorf("revenue: remittances of %s: %w", id, err)
			}
			in.Remittances = append(in.Remittances, rs...)
		case kindNotes:
			zr, err := zip.NewReader(bytes.NewReader(plain), int64(len(plain)))
			if err != nil {
				return in, fmt.Errorf("revenue: notes of %s: %w", id, err)
			}
			in.Notes = zr
		default:
			return in, fmt.Errorf("revenue: upload %d of %s is of unknown kind %q", u.Seq, id, u.Kind)
		}
	}
	if len(in.Claims) == 0 {
		return in, &badInput{errors.New("the uploads hold no claims")}
	}
	return in, nil
}

// stage records what the job is doing; a failure to record it does not
// stop the job.
func (s *Service) stage(ctx context.Context, id, stage string) {
	if err := s.db.ReportStage(ctx, id, stage); err != nil {
		s.log.Warn("report progress not recorded", "report", id, "err", err)
	}
}

// progress records the re-coding of notes about once a second.
func (s *Service) progress(ctx context.Context, id string) func(done, total int) {
	var mu sync.Mutex
	var last time.Time
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); done == total || now.Sub(last) >= time.Second {
			last = now
			s.stage(ctx, id, fmt.Sprintf("re-coding the notes: %d of %d", done, total))
		}
	}
}

// Purgers are the periodic deletions of the flow: uploads that waited
// too long, and reports past their organization's retention.
func (s *Service) Purgers() []jobs.Purger {
	return []jobs.Purger{
		{Name: "revenue report uploads left unbuilt", Run: func(ctx context.Context, now time.Time) (int, error) {
			return s.db.AbandonReports(ctx, now.Add(-s.cfg.UploadTTL), "it was not built in time; upload the files again", now)
		}},
		{Name: "revenue reports past their organization's retention", Run: func(ctx context.Context, now time.Time) (int, error) {
			purged, err := s.db.PurgeReports(ctx, now)
			n := 0
			for _, p := range purged {
				n += p.Reports
				if err := s.audit.Record(ctx, audit.Event{OrgID: p.OrgID, Action: audit.RetentionPurge, Details: map[string]any{"reports": p.Reports}}); err != nil {
					return n, err
				}
				s.cache.clear()
			}
			return n, err
		}},
	}
}
