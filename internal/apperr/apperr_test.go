package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestStatusAndMessage(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		code    Code
		message string
	}{
		{"not found", New(NotFound, "analysis not found"), http.StatusNotFound, NotFound, "analysis not found"},
		{"wrapped", fmt.Errorf("store: %w", New(Conflict, "email taken")), http.StatusConflict, Conflict, "email taken"},
		{"phi", New(PHIFound, "phi"), http.StatusUnprocessableEntity, PHIFound, "phi"},
		{"quota", New(QuotaExceeded, "limit"), http.StatusTooManyRequests, QuotaExceeded, "limit"},
		{"foreign error hides its text", errors.New("disk I/O error at /secret/path"), http.StatusInternalServerError, Internal, "Internal error."},
		{"internal code hides its message", &Error{Code: Internal, Message: "db down"}, http.StatusInternalServerError, Internal, "Internal error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Status(tt.err); got != tt.status {
				t.Errorf("Status = %d, want %d", got, tt.status)
			}
			if got := CodeOf(tt.err); got != tt.code {
				t.Errorf("CodeOf = %q, want %q", got, tt.code)
			}
			if got := MessageOf(tt.err); got != tt.message {
				t.Errorf("MessageOf = %q, want %q", got, tt.message)
			}
		})
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range []Code{Invalid, Unauthorized, Forbidden, NotFound, Conflict, TooLarge, PHIFound, RateLimited, QuotaExceeded, Unavailable, Internal} {
		if _, ok := statuses[c]; !ok {
			t.Errorf("code %q has no HTTP status", c)
		}
	}
}

func TestCauseIsKeptForLogs(t *testing.T) {
	cause := errors.New("constraint failed")
	err := &Error{Code: Conflict, Message: "email taken", Cause: cause}
	if !errors.Is(err, cause) {
		t.Fatal("cause not reachable with errors.Is")
	}
	if CodeOf(nil) != "" {
		t.Fatal("CodeOf(nil) should be empty")
	}
}
