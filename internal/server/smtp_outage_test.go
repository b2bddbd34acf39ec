package server_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/medcode/medcode/internal/api/client"
	"github.com/medcode/medcode/internal/mail/mailtest"
)

// TestEmailSurvivesSMTPOutage stops the SMTP server process, has the app
// send an email (the verification of a sign-up), keeps the server down
// for the outage, starts it again on the same port, and checks that the
// email arrives exactly once: the request only queued it, and the job
// retried until the server answered. The outage is 5 s by default;
// MEDCODE_TEST_SMTP_OUTAGE=60s runs the full minute.
func TestEmailSurvivesSMTPOutage(t *testing.T) { eachBackend(t, testEmailSurvivesSMTPOutage) }

func testEmailSurvivesSMTPOutage(t *testing.T, db backend) {
	outage := 5 * time.Second
	if v := os.Getenv("MEDCODE_TEST_SMTP_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("MEDCODE_TEST_SMTP_OUTAGE: %v", err)
		}
		outage = d
	}
	smtp := mailtest.Start(t)
	s := start(t, db, map[string]string{
		"MEDCODE_SMTP_HOST": smtp.Host, "MEDCODE_SMTP_PORT": strconv.Itoa(smtp.Port), "MEDCODE_SMTP_TLS": "none",
		"MEDCODE_SMTP_FROM": "medcode@example.org",
	})
	smtp.Stop()
	down := time.Now()
	email := newEmail("outage")
	if err := client.New(s.URL()).SignUp(context.Background(), email, password); err != nil {
		t.Fatalf("sign-up while the SMTP server is down: %v", err)
	}
	// While the server is down the job fails and waits for its retry.
	for time.Since(down) < outage {
		time.Sleep(250 * time.Millisecond)
	}
	failed := s.queryInt(t, "SELECT count(*) FROM river_job WHERE kind = 'email' AND state = 'retryable' AND attempt >= 1")
	if failed != 1 {
		t.Fatalf("after %v of outage %d email job(s) wait for a retry, want 1", outage, failed)
	}
	if n := smtp.Count("To: " + email); n != 0 {
		t.Fatalf("%d emails arrived while the server was down", n)
	}
	smtp.Restart(t)
	up := time.Now()
	smtp.WaitFor(t, "To: "+email, outage+3*time.Minute)
	delivered := time.Now()
	// Give a duplicate every chance to arrive.
	time.Sleep(3 * time.Second)
	if n := smtp.Count("To: " + email); n != 1 {
		t.Fatalf("the email arrived %d times, want once", n)
	}
	jobs := s.queryInt(t, "SELECT count(*) FROM river_job WHERE kind = 'email'")
	attempts := s.queryInt(t, "SELECT attempt FROM river_job WHERE kind = 'email' AND state = 'completed'")
	if jobs != 1 || attempts < 2 {
		t.Fatalf("%d email jobs, the completed one after %d attempts; want one job, retried", jobs, attempts)
	}
	t.Logf("SMTP down %v; email delivered %v after it was sent (%v after the server came back), once, on attempt %d",
		up.Sub(down).Round(time.Second), delivered.Sub(down).Round(time.Second), delivered.Sub(up).Round(time.Second), attempts)
}
