// Package upload reads a multipart form whole into memory: billing files
// (claims, remittances, notes) may hold PHI, and unlike
// Request.ParseMultipartForm this never writes a part to a temporary file,
// so nothing reaches the disk unsealed.
package upload

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/medcode/medcode/internal/apperr"
)

// File is one uploaded file.
type File struct {
	Name string
	Data []byte
}

// Form is a read multipart form: its fields and its files by field name.
type Form struct {
	Fields map[string]string
	Files  map[string][]File
}

// File is the first non-empty file of a field, or nil.
func (f *Form) File(name string) *File {
	for _, file := range f.Files[name] {
		if len(file.Data) > 0 {
			return &file
		}
	}
	return nil
}

// maxFields bounds the text fields of a form.
const maxFields = 64

// Read reads the multipart form of r, at most limit bytes in all.
func Read(w http.ResponseWriter, r *http.Request, limit int64) (*Form, error) {
	if r.ContentLength > limit { // refused before reading
		return nil, readError(&http.MaxBytesError{Limit: limit}, limit)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return nil, apperr.New(apperr.Invalid, "Send the files as a multipart/form-data form.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "The form could not be read.")
	}
	f := &Form{Fields: map[string]string{}, Files: map[string][]File{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, readError(err, limit)
		}
		data, err := io.ReadAll(part)
		part.Close()
		if err != nil {
			return nil, readError(err, limit)
		}
		name := part.FormName()
		if part.FileName() == "" {
			if len(f.Fields) >= maxFields {
				return nil, apperr.New(apperr.Invalid, "The form has too many fields.")
			}
			f.Fields[name] = string(data)
			continue
		}
		f.Files[name] = append(f.Files[name], File{Name: part.FileName(), Data: data})
	}
}

func readError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.New(apperr.TooLarge, "The files are larger than %d MiB together.", limit>>20)
	}
	return apperr.New(apperr.Invalid, "The upload could not be read: it broke off or is not a valid form.")
}
