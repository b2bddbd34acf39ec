package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestRestartWALUnderReaders fills the WAL while readers keep reading it,
// restarts it, and checks that the next write starts it over and that the
// writer's connection has its busy timeout back.
func TestRestartWALUnderReaders(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "medcode.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.Exec("CREATE TABLE scratch (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	write := func() {
		t.Helper()
		if _, err := db.write.Exec("INSERT INTO scratch VALUES (randomblob(8192))"); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readErrs := make(chan error, 4)
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				if err := db.read.QueryRow("SELECT count(*) FROM scratch").Scan(&n); err != nil {
					readErrs <- err
					return
				}
			}
		}()
	}
	for range 1000 {
		write()
	}
	if err := db.restartWAL(ctx); err != nil {
		t.Fatalf("restartWAL with readers: %v", err)
	}
	write()
	close(stop)
	readers.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Fatalf("a reader failed: %v", err)
	}
	var busy, logFrames, checkpointed int
	if err := db.read.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &checkpointed); err != nil {
		t.Fatal(err)
	}
	if logFrames > 10 {
		t.Fatalf("the WAL holds %d frames after the restart and one write, want it started over", logFrames)
	}
	var timeout int
	if err := db.write.QueryRow("PRAGMA busy_timeout").Scan(&timeout); err != nil || timeout != busyTimeoutMillis {
		t.Fatalf("the writer's busy timeout is %d (%v), want %d", timeout, err, busyTimeoutMillis)
	}
}
