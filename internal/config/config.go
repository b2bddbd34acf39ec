// Package config is medcode's server configuration: one table of options,
// each with its environment variable, optional command-line flag, default,
// validator and secret flag. Values come from defaults, then a KEY=VALUE
// file, then the environment, then flags. Secrets may also be read from a
// file named by KEY_FILE. The result is a plain Config value passed to the
// server; nothing reads a global.
package config

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the parsed configuration.
type Config struct {
	Addr    string
	DB      string
	TLSCert string
	TLSKey  string
	BaseURL string

	Key     string // key list (MEDCODE_KEY)
	KeyFile string // key file path; default beside the database

	LogFormat string
	LogLevel  string

	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	SMTPTLS      string

	LimitFree       int
	LimitPro        int
	LimitEnterprise int

	PHIAction            string
	MaxNoteBytes         int
	RequireVerifiedEmail bool
	PolicyDir            string

	SessionLifetime time.Duration
	SessionIdle     time.Duration
	MaxFailures     int
	Lockout         time.Duration
	IPAttempts      int
	IPWindow        time.Duration
	ShutdownTimeout time.Duration

	JobWorkers      int
	JobTimeout      time.Duration
	JobRescueAfter  time.Duration
	BatchMaxNotes   int
	BatchChunk      int
	BatchStaleAfter time.Duration
}

// Option is one configuration setting.
type Option struct {
	Env     string // environment variable and config-file key
	Flag    string // `medcode serve` flag, "" when env-only
	Default string
	Help    string
	Secret  bool // masked in dumps; may be read from Env+"_FILE"
	binding
}

func str(p func(*Config) *string) binding {
	return binding{func(c *Config, v string) error { *p(c) = v; return nil }, func(c *Config) string { return *p(c) }}
}

func oneOf(p func(*Config) *string, allowed ...string) binding {
	return binding{func(c *Config, v string) error {
		for _, a := range allowed {
			if v == a {
				*p(c) = v
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	},
		func(c *Config) string { return *p(c) }}
}

func integer(p func(*Config) *int, lo, hi int) binding {
	return binding{func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%d is outside %d..%d", n, lo, hi)
		}
		*p(c) = n
		return nil
	},
		func(c *Config) string { return strconv.Itoa(*p(c)) }}
}

func duration(p func(*Config) *time.Duration, lo time.Duration) binding {
	return binding{func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration (e.g. 15m, 24h)", v)
		}
		if d < lo {
			return fmt.Errorf("%v is shorter than %v", d, lo)
		}
		*p(c) = d
		return nil
	},
		func(c *Config) string { return (*p(c)).String() }}
}

func boolean(p func(*Config) *bool) binding {
	return binding{func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p(c) = b
		return nil
	},
		func(c *Config) string { return strconv.FormatBool(*p(c)) }}
}

func hostPort(p func(*Config) *string) binding {
	return binding{func(c *Config, v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("%q is not host:port", v)
		}
		*p(c) = v
		return nil
	},
		func(c *Config) string { return *p(c) }}
}

func baseURL(p func(*Config) *string) binding {
	return binding{func(c *Config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%q is not an http(s) URL", v)
			}
		}
		*p(c) = strings.TrimRight(v, "/")
		return nil
	},
		func(c *Config) string { return *p(c) }}
}

// database accepts a SQLite file path or a postgres:// URL; its text form
// (for dumps) masks a password in the URL.
func database(p func(c *Config) *string) binding {
	return binding{func(c *Config, v string) error {
		if v == "" {
			return fmt.Errorf("empty: give a SQLite file path or a postgres:// URL")
		}
		if IsPostgres(v) {
			if _, err := url.Parse(v); err != nil {
				return fmt.Errorf("not a valid postgres:// URL")
			}
		}
		*p(c) = v
		return nil
	},
		func(c *Config) string {
			v := *p(c)
			if u, err := url.Parse(v); err == nil && IsPostgres(v) && u.User != nil {
				if _, has := u.User.Password(); has {
					u.User = url.UserPassword(u.User.Username(), "xxxxx")
					return u.String()
				}
			}
			return v
		}}
}

// IsPostgres reports whether a MEDCODE_DB value names a PostgreSQL database.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// binding reads and writes one Config field from and to its text form.
type binding struct {
	set func(c *Config, v string) error
	get func(c *Config) string
}

func opt(env, flag, def, help string, secret bool, b binding) Option {
	return Option{Env: env, Flag: flag, Default: def, Help: help, Secret: secret, binding: b}
}

// Options is the table of every setting.
var Options = []Option{
	opt("MEDCODE_ADDR", "addr", "127.0.0.1:8080", "address to listen on", false,
		hostPort(func(c *Config) *string { return &c.Addr })),
	opt("MEDCODE_DB", "db", "medcode.db", "SQLite database file, or postgres://user:password@host:port/dbname to share one database between instances", false,
		database(func(c *Config) *string { return &c.DB })),
	opt("MEDCODE_TLS_CERT", "tls-cert", "", "TLS certificate file (PEM); serves HTTPS with HSTS", false,
		str(func(c *Config) *string { return &c.TLSCert })),
	opt("MEDCODE_TLS_KEY", "tls-key", "", "TLS private key file (PEM)", false,
		str(func(c *Config) *string { return &c.TLSKey })),
	opt("MEDCODE_BASE_URL", "base-url", "", "public URL for emailed links (default: from --addr)", false,
		baseURL(func(c *Config) *string { return &c.BaseURL })),
	opt("MEDCODE_KEY", "", "", "encryption keys ID:BASE64[,ID:BASE64...], the last one active", true,
		str(func(c *Config) *string { return &c.Key })),
	opt("MEDCODE_KEY_FILE", "key-file", "", "key file, one ID:BASE64 per line (default: beside a SQLite database, created on first start; required with PostgreSQL unless MEDCODE_KEY is set)", false,
		str(func(c *Config) *string { return &c.KeyFile })),
	opt("MEDCODE_LOG_FORMAT", "log-format", "text", "log format: text or json", false,
		oneOf(func(c *Config) *string { return &c.LogFormat }, "text", "json")),
	opt("MEDCODE_LOG_LEVEL", "log-level", "info", "log level: debug, info, warn or error", false,
		oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error")),
	opt("MEDCODE_SMTP_HOST", "", "", "SMTP server for verification and reset emails (empty: no email)", false,
		str(func(c *Config) *string { return &c.SMTPHost })),
	opt("MEDCODE_SMTP_PORT", "", "587", "SMTP port", false,
		integer(func(c *Config) *int { return &c.SMTPPort }, 1, 65535)),
	opt("MEDCODE_SMTP_USERNAME", "", "", "SMTP user name", false,
		str(func(c *Config) *string { return &c.SMTPUsername })),
	opt("MEDCODE_SMTP_PASSWORD", "", "", "SMTP password", true,
		str(func(c *Config) *string { return &c.SMTPPassword })),
	opt("MEDCODE_SMTP_FROM", "", "medcode@localhost", "sender address of emails", false,
		str(func(c *Config) *string { return &c.SMTPFrom })),
	opt("MEDCODE_SMTP_TLS", "", "starttls", "SMTP encryption: starttls, tls or none (none only for a loopback relay)", false,
		oneOf(func(c *Config) *string { return &c.SMTPTLS }, "starttls", "tls", "none")),
	opt("MEDCODE_LIMIT_FREE", "", "50", "analyses per month on the free tier (0 = unlimited)", false,
		integer(func(c *Config) *int { return &c.LimitFree }, 0, 1<<30)),
	opt("MEDCODE_LIMIT_PRO", "", "2000", "analyses per month on the pro tier (0 = unlimited)", false,
		integer(func(c *Config) *int { return &c.LimitPro }, 0, 1<<30)),
	opt("MEDCODE_LIMIT_ENTERPRISE", "", "0", "analyses per month on the enterprise tier (0 = unlimited)", false,
		integer(func(c *Config) *int { return &c.LimitEnterprise }, 0, 1<<30)),
	opt("MEDCODE_PHI_ACTION", "", "block", "what the PHI guard does with a note that holds identifiers: block or redact", false,
		oneOf(func(c *Config) *string { return &c.PHIAction }, "block", "redact")),
	opt("MEDCODE_MAX_NOTE_BYTES", "", "200000", "largest note accepted, in bytes", false,
		integer(func(c *Config) *int { return &c.MaxNoteBytes }, 1000, 10<<20)),
	opt("MEDCODE_REQUIRE_VERIFIED_EMAIL", "", "true", "refuse analyses until the account's email is confirmed (only when email is configured: without SMTP nobody could confirm)", false,
		boolean(func(c *Config) *bool { return &c.RequireVerifiedEmail })),
	opt("MEDCODE_POLICY_DIR", "policy-dir", "", "directory with the operator's terms.md and privacy.md (default: the built-in ones); published at start", false,
		str(func(c *Config) *string { return &c.PolicyDir })),
	opt("MEDCODE_SESSION_LIFETIME", "", "24h", "longest a web session lasts", false,
		duration(func(c *Config) *time.Duration { return &c.SessionLifetime }, time.Minute)),
	opt("MEDCODE_SESSION_IDLE", "", "2h", "web session ends after this long without a request", false,
		duration(func(c *Config) *time.Duration { return &c.SessionIdle }, time.Minute)),
	opt("MEDCODE_LOGIN_MAX_FAILURES", "", "5", "failed sign-ins before an account locks", false,
		integer(func(c *Config) *int { return &c.MaxFailures }, 1, 100)),
	opt("MEDCODE_LOGIN_LOCKOUT", "", "15m", "how long a locked account stays locked", false,
		duration(func(c *Config) *time.Duration { return &c.Lockout }, time.Second)),
	opt("MEDCODE_IP_ATTEMPTS", "", "30", "sign-in, sign-up and reset attempts allowed per client address per window", false,
		integer(func(c *Config) *int { return &c.IPAttempts }, 1, 1<<20)),
	opt("MEDCODE_IP_WINDOW", "", "15m", "window of the per-address limit", false,
		duration(func(c *Config) *time.Duration { return &c.IPWindow }, time.Second)),
	opt("MEDCODE_SHUTDOWN_TIMEOUT", "", "15s", "how long shutdown waits for requests in flight", false,
		duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout }, 0)),
	opt("MEDCODE_JOB_WORKERS", "", "0", "batch chunks this instance codes at once (0 = the number of CPUs)", false,
		integer(func(c *Config) *int { return &c.JobWorkers }, 0, 256)),
	opt("MEDCODE_JOB_TIMEOUT", "", "5m", "longest a background job may run", false,
		duration(func(c *Config) *time.Duration { return &c.JobTimeout }, time.Second)),
	opt("MEDCODE_JOB_RESCUE_AFTER", "", "6m", "a job running this long is taken for abandoned by a dead instance and run again (longer than MEDCODE_JOB_TIMEOUT)", false,
		duration(func(c *Config) *time.Duration { return &c.JobRescueAfter }, time.Second)),
	opt("MEDCODE_BATCH_MAX_NOTES", "", "100000", "notes one batch may hold", false,
		integer(func(c *Config) *int { return &c.BatchMaxNotes }, 1, 10_000_000)),
	opt("MEDCODE_BATCH_CHUNK", "", "200", "notes of a queued batch one job codes", false,
		integer(func(c *Config) *int { return &c.BatchChunk }, 1, 100_000)),
	opt("MEDCODE_BATCH_STALE_AFTER", "", "2m", "an upload that sends nothing for this long is cut and its batch marked interrupted", false,
		duration(func(c *Config) *time.Duration { return &c.BatchStaleAfter }, time.Second)),
}

// retired are settings that no longer exist, with what took their place:
// a deployment that still sets one is told so at start instead of running
// without it unawares.
var retired = map[string]string{
	"MEDCODE_BAA": "whether a workspace may hold notes is its organization's Business Associate Agreement, recorded by the owner (the organization's page, or PUT /api/v1/orgs/{org}/baa); only that organization's asynchronous batches keep notes, sealed, until coded",
}

// Source is where Load reads values from.
type Source struct {
	Getenv func(string) string // the environment; nil for none
	File   string              // KEY=VALUE file; "" for none
	Flags  map[string]string   // flags set on the command line, by flag name
}

// Load builds a Config from defaults, the file, the environment and flags,
// in that order of precedence (last wins).
func Load(src Source) (*Config, error) {
	c := &Config{}
	fileValues := map[string]string{}
	if src.File != "" {
		f, err := os.Open(src.File)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if fileValues, err = ParseFile(f, src.File); err != nil {
			return nil, err
		}
	}
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for k, instead := range retired {
		if _, inFile := fileValues[k]; inFile || getenv(k) != "" {
			return nil, fmt.Errorf("config: %s is no longer a setting: %s; remove it", k, instead)
		}
	}
	known := map[string]bool{}
	for _, o := range Options {
		known[o.Env] = true
	}
	for _, o := range Options {
		v, from := o.Default, "default"
		if fv, ok := fileValues[o.Env]; ok {
			v, from = fv, src.File
		}
		if ev := getenv(o.Env); ev != "" {
			v, from = ev, "environment"
		}
		// NAME_FILE reads a secret from a file, unless NAME_FILE is an
		// option of its own (MEDCODE_KEY_FILE is the key file).
		if o.Secret && !known[o.Env+"_FILE"] {
			if path := getenv(o.Env + "_FILE"); path != "" {
				b, err := os.ReadFile(path)
				if err != nil {
					return nil, fmt.Errorf("config: %s_FILE: %w", o.Env, err)
				}
				v, from = strings.TrimSpace(string(b)), o.Env+"_FILE"
			}
		}
		if fv, ok := src.Flags[o.Flag]; ok && o.Flag != "" {
			v, from = fv, "--"+o.Flag
		}
		if err := o.set(c, v); err != nil {
			return nil, fmt.Errorf("config: %s (from %s): %w", o.Env, from, err)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, fmt.Errorf("config: MEDCODE_TLS_CERT and MEDCODE_TLS_KEY must be set together")
	}
	if c.JobRescueAfter <= c.JobTimeout {
		return nil, fmt.Errorf("config: MEDCODE_JOB_RESCUE_AFTER (%v) must be longer than MEDCODE_JOB_TIMEOUT (%v), or running jobs would be run twice", c.JobRescueAfter, c.JobTimeout)
	}
	for k := range fileValues {
		if !known[k] {
			return nil, fmt.Errorf("config: %s: unknown setting %s", src.File, k)
		}
	}
	return c, nil
}

// ParseFile reads KEY=VALUE lines; blank lines and # comments are skipped,
// values may be wrapped in double quotes. name is used in errors.
func ParseFile(r io.Reader, name string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\"") {
			return nil, fmt.Errorf("config: %s:%d: want KEY=VALUE", name, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("config: %s:%d: %s set twice", name, n, k)
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: %s: %w", name, err)
	}
	return out, nil
}

// Dump writes every setting as KEY=VALUE with secrets masked.
func (c *Config) Dump(w io.Writer) {
	lines := make([]string, 0, len(Options))
	for _, o := range Options {
		v := o.get(c)
		if o.Secret && v != "" {
			v = "********"
		}
		lines = append(lines, o.Env+"="+v)
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// TLS reports whether the server terminates TLS itself.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// PublicURL is the base of emailed links: MEDCODE_BASE_URL, or the listen
// address.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	scheme := "http"
	if c.TLS() {
		scheme = "https"
	}
	return scheme + "://" + c.Addr
}

// SecureCookies reports whether cookies get the Secure attribute: when the
// server or its public URL uses HTTPS. Plain-HTTP loopback setups (tests,
// local use) cannot keep Secure cookies.
func (c *Config) SecureCookies() bool {
	return c.TLS() || strings.HasPrefix(c.BaseURL, "https://")
}
