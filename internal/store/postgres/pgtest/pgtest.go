// Package pgtest runs a throwaway PostgreSQL 15 server for tests: initdb
// into a temporary directory, the server on a free loopback port with its
// unix socket in that directory, one fresh database per test, torn down
// when the package's tests end.
//
// PostgreSQL refuses to run as root. When the tests run as root (CI,
// containers) initdb and the server run as the "postgres" system user that
// Debian's package creates: the child processes get that user's uid and gid
// before exec (the same as `setpriv --reuid=postgres --regid=postgres
// --clear-groups`), and the temporary directory is handed to that user.
// Otherwise they run as the current user.
//
// A package uses it through TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test calls pgtest.NewDatabase(t). Tests skip, saying how to
// install PostgreSQL, only when the binaries are absent.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BinDirs are where the PostgreSQL 15 server binaries are looked for:
// $MEDCODE_PG_BIN first, then Debian's location.
var BinDirs = []string{os.Getenv("MEDCODE_PG_BIN"), "/usr/lib/postgresql/15/bin"}

// ErrNoBinaries means PostgreSQL is not installed.
var ErrNoBinaries = errors.New("pgtest: PostgreSQL 15 server binaries not found in $MEDCODE_PG_BIN or /usr/lib/postgresql/15/bin " +
	"(apt-get install -y postgresql-15)")

// superuser is the cluster's bootstrap role; authentication is "trust" on
// loopback only.
const superuser = "medcode"

// Options tune the server.
type Options struct {
	// Durable keeps fsync and synchronous commit on, as in production;
	// tests run without them (their data is thrown away), benchmarks with.
	Durable bool
	// Settings are extra postgres -c name=value settings.
	Settings map[string]string
}

// Cluster is one running server.
type Cluster struct {
	dir  string // temporary directory: data/, the socket, the log
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process exits
	seq  atomic.Int64
}

// findBin returns the directory holding initdb and postgres.
func findBin() (string, error) {
	for _, d := range BinDirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

// runAs returns the credential to run PostgreSQL with: nil for the current
// user, the postgres system user when running as root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses root: no postgres system user to run it as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// Start initialises and starts a server.
func Start(opts Options) (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "medcode-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, done: make(chan struct{})}
	if err := c.start(bin, cred, opts); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(bin string, cred *syscall.Credential, opts Options) error {
	if cred != nil {
		if err := os.Chown(c.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: handing %s to the postgres user: %w", c.dir, err)
		}
	}
	logFile, err := os.Create(filepath.Join(c.dir, "server.log"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	initdb := exec.Command(filepath.Join(bin, "initdb"), "--pgdata", c.DataDir(), "--username", superuser,
		"--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync")
	initdb.Stdout, initdb.Stderr = logFile, logFile
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := initdb.Run(); err != nil {
		return fmt.Errorf("pgtest: initdb failed (%v); see %s", err, logFile.Name())
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	settings := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"unix_socket_directories": c.dir,
		"max_connections":         "300",
		"shared_buffers":          "128MB",
		"logging_collector":       "off",
	}
	if !opts.Durable {
		settings["fsync"], settings["synchronous_commit"], settings["full_page_writes"] = "off", "off", "off"
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	args := []string{"-D", c.DataDir(), "-p", strconv.Itoa(port)}
	for k, v := range settings {
		args = append(args, "-c", k+"="+v)
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	// Pdeathsig stops the server if the test binary dies without
	// Stop; Go sets it after switching to the postgres user.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	go func() { c.cmd.Wait(); close(c.done) }()
	return c.waitReady(logFile.Name())
}

func (c *Cluster) waitReady(logName string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, c.dsn("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("pgtest: postgres exited during start-up; see %s", logName)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections within a minute (%v); see %s", err, logName)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) dsn(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.port, db)
}

// DataDir is the cluster's data directory (its files and WAL), for tests
// that check what reached the disk.
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "data") }

// CreateDatabase creates an empty database and returns its URL.
func (c *Cluster) CreateDatabase(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, c.dsn("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("medcode_test_%d", c.seq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: creating database %s: %w", name, err)
	}
	return c.dsn(name), nil
}

// Stop shuts the server down (fast shutdown, then kill) and removes its
// directory.
func (c *Cluster) Stop() error {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
	return os.RemoveAll(c.dir)
}

var (
	sharedOnce sync.Once
	shared     *Cluster
	sharedErr  error
)

// Shared returns the package's cluster, starting it on first use; it
// skips the test when PostgreSQL is not installed and fails it when the
// server cannot start.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = Start(Options{}) })
	if errors.Is(sharedErr, ErrNoBinaries) {
		t.Skip(sharedErr.Error())
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// NewDatabase returns the URL of a fresh database on the shared cluster.
func NewDatabase(t testing.TB) string {
	t.Helper()
	dsn, err := Shared(t).CreateDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Main runs the package's tests and then stops the shared cluster if a
// test started it.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	os.Exit(code)
}
