package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/batch"
	"github.com/medcode/medcode/internal/store"
)

// batchCreate codes an NDJSON upload of notes.
//
// By default (mode=sync) the response streams one outcome line per note,
// in upload order, while the upload is still arriving (full duplex), and
// ends with a {"batch": ...} line. With mode=async the response starts at
// once with a {"batch": ...} line holding the id (and a Location header),
// the client streams the rest of the notes without reading outcomes, and
// a last {"batch": ...} line follows the end of the upload; the outcomes
// are at results_url. Outside BAA mode (the personal workspace, or an
// organization without a BAA on record) an async batch is still coded from
// the upload stream; in BAA mode its notes are queued sealed.
func (h *Handler) batchCreate(w http.ResponseWriter, r *http.Request) {
	var async bool
	switch r.URL.Query().Get("mode") {
	case "", "sync":
	case "async":
		async = true
	default:
		h.fail(w, r, apperr.New(apperr.Invalid, "Query parameter mode must be sync or async."))
		return
	}
	ws := workspace(r)
	rc := http.NewResponseController(w)
	// Outcomes go out while the upload still comes in; HTTP/2 is full
	// duplex already, so its "not supported" is fine.
	if err := rc.EnableFullDuplex(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		h.fail(w, r, err)
		return
	}
	// The server's whole-request timeouts would cut a long upload: instead
	// each read and write must make progress within BatchIdle.
	body := &idleReader{r: r.Body, rc: rc, idle: h.BatchIdle}
	enc := json.NewEncoder(w)
	writeLine := func(v any) error {
		rc.SetWriteDeadline(time.Now().Add(h.BatchIdle))
		if err := enc.Encode(v); err != nil {
			return err
		}
		return rc.Flush()
	}
	begun := false
	started := func(b *store.Batch) error {
		begun = true
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Location", batchURL(b))
		if !async {
			w.WriteHeader(http.StatusOK)
			return rc.Flush()
		}
		w.WriteHeader(http.StatusAccepted)
		return writeLine(batchLine{Batch: batchView(b)})
	}
	var emit func(batch.Outcome) error
	if !async {
		emit = func(o batch.Outcome) error { return writeLine(o) }
	}
	var b *store.Batch
	var err error
	if async && batch.Queued(ws) {
		b, err = h.Batches.Queue(r.Context(), ws, body, started)
	} else {
		b, err = h.Batches.Stream(r.Context(), ws, body, started, emit)
	}
	switch {
	case err == nil:
		writeLine(batchLine{Batch: batchView(b)})
	case !begun:
		h.fail(w, r, err)
	default:
		// The status line is gone: the error is the last line.
		if apperr.CodeOf(err) == apperr.Internal {
			h.Log.Error("batch upload failed", "path", r.URL.Path, "err", err)
		}
		var line errorBody
		line.Error.Code, line.Error.Message = apperr.CodeOf(err), apperr.MessageOf(err)
		if errors.Is(err, errIdle) || apperr.CodeOf(err) == apperr.Internal {
			line.Error.Code, line.Error.Message = apperr.Invalid, "The upload broke off before its end; the batch is interrupted. Send the notes without an outcome again."
		}
		writeLine(line)
	}
}

// batchLine is the batch status line of a batch response.
type batchLine struct {
	Batch BatchView `json:"batch"`
}

var errIdle = errors.New("api: the upload sent nothing for too long")

// idleReader pushes the read deadline forward before each read, so an
// upload may last as long as it keeps sending.
type idleReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
}

func (ir *idleReader) Read(p []byte) (int, error) {
	ir.rc.SetReadDeadline(time.Now().Add(ir.idle))
	n, err := ir.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && isTimeout(err) {
		return n, errIdle
	}
	return n, err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
