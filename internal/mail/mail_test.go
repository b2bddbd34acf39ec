package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/mail"
	"github.com/medcode/medcode/internal/mail/mailtest"
)

func TestSendThroughRealSMTPServer(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, From: "medcode@example.org", TLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	body := "Open this link:\n\nhttps://medcode.example/verify-email?token=abc_DEF-123\n\nÜmlaut and a line well over seventy-six characters so quoted-printable must wrap it somewhere.\n"
	if err := m.Send(context.Background(), mail.Message{To: "ann@example.org", Subject: "Confirm your address", Body: body}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "Confirm your address", 5*time.Second)
	for _, want := range []string{"To: ann@example.org", "From: medcode@example.org", "token=abc_DEF-123", "Ümlaut", "wrap it somewhere."} {
		if !strings.Contains(got, want) {
			t.Errorf("received message lacks %q:\n%s", want, got)
		}
	}
}

func TestStartTLSRequired(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, From: "medcode@example.org", TLS: mail.TLSStartTLS})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), mail.Message{To: "ann@example.org", Subject: "s", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sent without the required STARTTLS: %v", err)
	}
}

func TestConfigAndHeaderInjection(t *testing.T) {
	tests := []struct {
		cfg  mail.Config
		want string
	}{
		{mail.Config{Port: 25, From: "a@b.c", TLS: mail.TLSNone}, "no SMTP host"},
		{mail.Config{Host: "h", Port: 0, From: "a@b.c", TLS: mail.TLSNone}, "port"},
		{mail.Config{Host: "h", Port: 25, From: "nobody", TLS: mail.TLSNone}, "sender"},
		{mail.Config{Host: "h", Port: 25, From: "a@b.c", TLS: "ssl"}, "TLS mode"},
	}
	for _, tt := range tests {
		if _, err := mail.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want error about %q", tt.cfg, err, tt.want)
		}
	}
	m, _ := mail.New(mail.Config{Host: "127.0.0.1", Port: 1, From: "a@b.c", TLS: mail.TLSNone})
	err := m.Send(context.Background(), mail.Message{To: "x@y.z\r\nBcc: victim@example.org", Subject: "s", Body: "b"})
	if err == nil || !strings.Contains(err.Error(), "line break") {
		t.Fatalf("header injection not refused: %v", err)
	}
}
