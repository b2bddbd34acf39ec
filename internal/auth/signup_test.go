package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/policy"
)

func TestSignUpNeedsAgeAndCurrentPolicies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(r *SignUpRequest)
		msg    string
	}{
		{"not confirmed 18 or older", func(r *SignUpRequest) { r.Adult = false }, "18 or older"},
		{"terms not accepted", func(r *SignUpRequest) { delete(r.Accepted, policy.Terms) }, "Accept the Terms of Service"},
		{"privacy policy not accepted", func(r *SignUpRequest) { r.Accepted[policy.Privacy] = "" }, "Accept the Privacy policy"},
		{"an older version accepted", func(r *SignUpRequest) { r.Accepted[policy.Terms] = "2020-01-01" }, "changed to version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := f.request(t, "ann@example.org", goodPassword)
			tt.change(&req)
			_, err := f.acc.SignUp(ctx, req)
			if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), tt.msg) {
				t.Fatalf("err = %v, want invalid with %q", err, tt.msg)
			}
			if _, err := f.db.UserByEmail(ctx, "ann@example.org"); apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("an account was created: %v", err)
			}
		})
	}
	u, err := f.acc.SignUp(ctx, f.request(t, "ann@example.org", goodPassword))
	if err != nil {
		t.Fatal(err)
	}
	if at, err := f.db.AdultConfirmedAt(ctx, u.ID); err != nil || !at.Equal(f.now) {
		t.Errorf("18+ confirmation at %v, %v", at, err)
	}
	acc, err := f.db.PolicyAcceptances(ctx, u.ID)
	if err != nil || len(acc) != 2 {
		t.Fatalf("acceptances %v, %v", acc, err)
	}
	for _, a := range acc {
		if a.Version != f.current(t)[policy.Document(a.Document)] || !a.AcceptedAt.Equal(f.now) {
			t.Errorf("acceptance %+v", a)
		}
	}
	if pending, err := f.policies.Pending(ctx, u.ID); err != nil || len(pending) != 0 {
		t.Errorf("pending after sign-up: %v, %v", pending, err)
	}
}

func TestChangeEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.acc.SignUp(ctx, f.request(t, "ann@example.org", goodPassword))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.acc.SignUp(ctx, f.request(t, "bob@example.org", goodPassword)); err != nil {
		t.Fatal(err)
	}
	if err := f.acc.VerifyEmail(ctx, f.mail.lastLink(t)); err != nil {
		t.Fatal(err)
	}
	f.mail.sent = nil
	for _, tt := range []struct {
		email string
		code  apperr.Code
	}{
		{"not an address", apperr.Invalid},
		{"ann@example.org", apperr.Invalid},
		{"BOB@example.org", apperr.Conflict},
	} {
		if err := f.acc.ChangeEmail(ctx, u, tt.email); apperr.CodeOf(err) != tt.code {
			t.Errorf("ChangeEmail(%q) = %v, want %s", tt.email, err, tt.code)
		}
	}
	if err := f.acc.ChangeEmail(ctx, u, " Ann.New@Example.org "); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.UserByID(ctx, u.ID)
	if err != nil || got.Email != "ann.new@example.org" || !got.EmailVerifiedAt.IsZero() {
		t.Fatalf("after the change: %+v, %v", got, err)
	}
	if len(f.mail.sent) != 2 || f.mail.sent[0].To != "ann.new@example.org" || f.mail.sent[1].To != "ann@example.org" ||
		!strings.Contains(f.mail.sent[1].Body, "changed to ann.new@example.org") {
		t.Fatalf("emails %+v", f.mail.sent)
	}
	if err := f.acc.VerifyEmail(ctx, f.mail.linkIn(t, 0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.UserByID(ctx, u.ID); got.EmailVerifiedAt.IsZero() {
		t.Fatal("the new address was not confirmed by its link")
	}
}
