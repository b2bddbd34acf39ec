package fhir

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"
)

// Note is the text of one DocumentReference to code.
type Note struct {
	DocumentID string     // the DocumentReference's id, "" when it has none
	Subject    *Reference // echoed into the output; never stored
	Text       string
}

// Error is a problem with the input at a FHIRPath location; it becomes an
// OperationOutcome issue.
type Error struct {
	Code       string // the IssueType
	Expression string // e.g. Bundle.entry[1].resource.content[0].attachment.data
	Message    string
}

func (e *Error) Error() string { return e.Expression + ": " + e.Message }

// Outcome returns e as an OperationOutcome.
func (e *Error) Outcome() *OperationOutcome {
	return NewOutcome("error", e.Code, e.Message, e.Expression)
}

// NewOutcome returns an OperationOutcome of one issue.
func NewOutcome(severity, code, diagnostics string, expression ...string) *OperationOutcome {
	return &OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: severity, Code: code, Diagnostics: diagnostics, Expression: expression}}}
}

func fail(code, expr, format string, args ...any) *Error {
	return &Error{Code: code, Expression: expr, Message: fmt.Sprintf(format, args...)}
}

// Input is what a request holds: one DocumentReference, or a Bundle of
// them (Bundle is true), with each document's note or its error.
type Input struct {
	Bundle bool
	Notes  []Note
	Errors []*Error // per entry of a Bundle, nil where the entry is fine
}

// Decode reads a DocumentReference or a Bundle of DocumentReferences.
// A problem with the request as a whole is returned as an *Error; in a
// Bundle, a bad entry only fails that entry. maxNote bounds a note's text
// in bytes, maxEntries a Bundle's entries.
func Decode(data []byte, maxNote, maxEntries int) (*Input, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fail("invalid", "$this", "the body is not a FHIR JSON resource: %s", jsonProblem(err))
	}
	switch head.ResourceType {
	case "DocumentReference":
		n, err := decodeDocument(data, "DocumentReference", maxNote)
		if err != nil {
			return nil, err
		}
		return &Input{Notes: []Note{*n}, Errors: []*Error{nil}}, nil
	case "Bundle":
		return decodeBundle(data, maxNote, maxEntries)
	case "":
		return nil, fail("required", "resourceType", "resourceType is missing")
	default:
		return nil, fail("not-supported", "resourceType", "resourceType %q is not supported: send a DocumentReference or a Bundle of them", head.ResourceType)
	}
}

func decodeBundle(data []byte, maxNote, maxEntries int) (*Input, error) {
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fail("invalid", "Bundle", "%s", jsonProblem(err))
	}
	switch b.Type {
	case "batch", "collection", "transaction":
	default:
		return nil, fail("value", "Bundle.type", "Bundle.type %q is not supported: use batch or collection", b.Type)
	}
	if len(b.Entry) == 0 {
		return nil, fail("required", "Bundle.entry", "the Bundle has no entries")
	}
	if len(b.Entry) > maxEntries {
		return nil, fail("too-costly", "Bundle.entry", "the Bundle has %d entries; at most %d are accepted (send larger sets to /api/v1/batches)", len(b.Entry), maxEntries)
	}
	in := &Input{Bundle: true, Notes: make([]Note, len(b.Entry)), Errors: make([]*Error, len(b.Entry))}
	for i, e := range b.Entry {
		expr := fmt.Sprintf("Bundle.entry[%d].resource", i)
		if len(e.Resource) == 0 {
			in.Errors[i] = fail("required", expr, "the entry has no resource")
			continue
		}
		n, err := decodeDocument(e.Resource, expr, maxNote)
		if err != nil {
			in.Errors[i] = err
			continue
		}
		in.Notes[i] = *n
	}
	return in, nil
}

// decodeDocument reads one DocumentReference found at expr.
func decodeDocument(data []byte, expr string, maxNote int) (*Note, *Error) {
	var d DocumentReference
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fail("invalid", expr, "%s", jsonProblem(err))
	}
	if d.ResourceType != "DocumentReference" {
		return nil, fail("not-supported", expr+".resourceType", "resourceType %q is not supported here: send DocumentReference", d.ResourceType)
	}
	if d.Status == "entered-in-error" {
		return nil, fail("business-rule", expr+".status", "the document was entered in error")
	}
	if len(d.Content) == 0 {
		return nil, fail("required", expr+".content", "the DocumentReference has no content")
	}
	for i, c := range d.Content {
		at := fmt.Sprintf("%s.content[%d].attachment", expr, i)
		if c.Attachment == nil {
			return nil, fail("required", at, "the content has no attachment")
		}
		if !isPlainText(c.Attachment.ContentType) {
			continue
		}
		if c.Attachment.Data == "" {
			if c.Attachment.URL != "" {
				return nil, fail("not-supported", at+".url", "attachments are not fetched from a URL: send the note inline in data")
			}
			return nil, fail("required", at+".data", "the text/plain attachment has no data")
		}
		if base64.StdEncoding.DecodedLen(len(c.Attachment.Data)) > maxNote+3 {
			return nil, fail("too-costly", at+".data", "the note is larger than %d bytes", maxNote)
		}
		raw, err := base64.StdEncoding.DecodeString(c.Attachment.Data)
		if err != nil {
			var bad base64.CorruptInputError
			if errors.As(err, &bad) {
				return nil, fail("value", at+".data", "data is not base64 (bad byte at offset %d)", int64(bad))
			}
			return nil, fail("value", at+".data", "data is not base64")
		}
		if len(raw) > maxNote {
			return nil, fail("too-costly", at+".data", "the note is %d bytes; the limit is %d", len(raw), maxNote)
		}
		if !utf8.Valid(raw) {
			return nil, fail("value", at+".data", "the note is not UTF-8 text")
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil, fail("required", at+".data", "the note is empty")
		}
		return &Note{DocumentID: d.ID, Subject: d.Subject, Text: string(raw)}, nil
	}
	return nil, fail("not-supported", expr+".content", "no attachment has contentType text/plain")
}

// isPlainText accepts text/plain with an optional UTF-8 (or US-ASCII)
// charset.
func isPlainText(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "text/plain" {
		return false
	}
	cs := strings.ToLower(params["charset"])
	return cs == "" || cs == "utf-8" || cs == "us-ascii"
}

// jsonProblem describes a JSON error without quoting the input.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("element %q must be a %s (at byte %d)", typ.Field, typ.Value, typ.Offset)
	case strings.Contains(err.Error(), "unexpected end"):
		return "the JSON ends too early"
	default:
		return "not valid JSON"
	}
}
