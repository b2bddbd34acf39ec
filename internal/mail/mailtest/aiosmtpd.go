// Package mailtest runs a real SMTP server process (Debian's
// python3-aiosmtpd) on loopback for tests and reads what it received.
package mailtest

import (
	"bufio"
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running aiosmtpd that prints every message it receives. It
// can be stopped and started again on the same port, to test senders
// against an SMTP server that goes down.
type Server struct {
	Host string
	Port int

	python   string
	mu       sync.Mutex
	messages []string
	arrived  chan struct{}
	stop     func() // ends the running process; nil when stopped
}

// python finds an interpreter that has the aiosmtpd module.
func python() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	return ""
}

// Start runs aiosmtpd on a free loopback port until the test ends. It skips
// the test when aiosmtpd is not installed.
func Start(t testing.TB) *Server {
	t.Helper()
	py := python()
	if py == "" {
		t.Skip("SMTP test needs aiosmtpd: apt-get install -y python3-aiosmtpd")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Host: "127.0.0.1", Port: port, python: py, arrived: make(chan struct{}, 1)}
	t.Cleanup(s.Stop)
	s.Restart(t)
	return s
}

// Stop ends the server process; connections to its port are refused until
// Restart. The messages received so far are kept.
func (s *Server) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Restart starts the server process again on the same port and waits until
// it accepts connections.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.stop != nil {
		t.Fatal("mailtest: the server is running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, s.python, "-u", "-m", "aiosmtpd", "-n", "-l", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting aiosmtpd: %v", err)
	}
	done := make(chan struct{})
	go func() { defer close(done); s.read(out) }()
	s.stop = func() { cancel(); cmd.Wait(); <-done }
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("aiosmtpd did not start listening within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// read collects the messages aiosmtpd's Debugging handler prints between
// its MESSAGE FOLLOWS and END MESSAGE lines.
func (s *Server) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	var cur *strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "MESSAGE FOLLOWS"):
			cur = &strings.Builder{}
		case strings.Contains(line, "END MESSAGE") && cur != nil:
			s.mu.Lock()
			s.messages = append(s.messages, cur.String())
			s.mu.Unlock()
			// A full channel already holds a wake-up for WaitFor.
			select {
			case s.arrived <- struct{}{}:
			default:
			}
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
}

// WaitFor returns the decoded text of the first received message that
// contains substr (searched in headers and body), waiting up to timeout.
func (s *Server) WaitFor(t testing.TB, substr string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		for _, m := range s.messages {
			if text := decode(m); strings.Contains(text, substr) {
				s.mu.Unlock()
				return text
			}
		}
		s.mu.Unlock()
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("no message containing %q within %v", substr, timeout)
		}
	}
}

// Count is how many received messages contain substr (decoded).
func (s *Server) Count(substr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.messages {
		if strings.Contains(decode(m), substr) {
			n++
		}
	}
	return n
}

// decode undoes quoted-printable so tests can read links. aiosmtpd prints
// its own notes before the headers, so the body starts after the blank line
// that follows the Content-Transfer-Encoding header.
func decode(raw string) string {
	i := strings.Index(strings.ToLower(raw), "content-transfer-encoding: quoted-printable")
	if i < 0 {
		return raw
	}
	j := strings.Index(raw[i:], "\n\n")
	if j < 0 {
		return raw
	}
	head, body := raw[:i+j], raw[i+j+2:]
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		return raw
	}
	return head + "\n\n" + string(b)
}
