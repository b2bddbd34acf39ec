package policy_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/policy"
	"github.com/medcode/medcode/internal/store"
	"github.com/medcode/medcode/internal/store/sqlite"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, src string
		want      policy.File // Body checked by prefix
		err       string
	}{
		{name: "full", src: "---\nversion: 2026-11-01\nmaterial: true\nsummary: Shorter retention.\n---\n# Terms\n\nText.\n",
			want: policy.File{Version: "2026-11-01", Material: true, Summary: "Shorter retention.", Body: "# Terms\n\nText.\n"}},
		{name: "material defaults to false, comments and CRLF", src: "\uFEFF---\r\n# the date\r\nversion: v2\r\n---\r\nText",
			want: policy.File{Version: "v2", Body: "Text\n"}},
		{name: "no front matter", src: "# Terms\n", err: "t.md:1: want a front matter block"},
		{name: "unclosed", src: "---\nversion: 1\n", err: "no closing"},
		{name: "no version", src: "---\nmaterial: false\n---\nx", err: "gives no version"},
		{name: "bad version", src: "---\nversion: 1 2\n---\nx", err: "t.md:2: version \"1 2\""},
		{name: "version too long", src: "---\nversion: " + strings.Repeat("a", 41) + "\n---\nx", err: "t.md:2: version"},
		{name: "bad material", src: "---\nversion: 1\nmaterial: yes\n---\nx", err: "t.md:3: material \"yes\""},
		{name: "material without summary", src: "---\nversion: 1\nmaterial: true\n---\nx", err: "needs a summary"},
		{name: "summary too long", src: "---\nversion: 1\nsummary: " + strings.Repeat("é", 301) + "\n---\nx", err: "t.md:3: summary longer"},
		{name: "unknown key", src: "---\nversion: 1\nauthor: me\n---\nx", err: "t.md:3: unknown key \"author\""},
		{name: "twice", src: "---\nversion: 1\nversion: 2\n---\nx", err: "t.md:3: version given twice"},
		{name: "no colon", src: "---\nversion 1\n---\nx", err: "t.md:2: want key: value"},
		{name: "empty body", src: "---\nversion: 1\n---\n\n  \n", err: "empty after the front matter"},
		{name: "invalid UTF-8", src: "---\nversion: 1\n---\n\xff", err: "not valid UTF-8"},
		{name: "too large", src: "---\nversion: 1\n---\n" + strings.Repeat("x", 256<<10), err: "larger than 256 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := policy.Parse(policy.Terms, "t.md", tt.src)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Document = policy.Terms
			if *f != tt.want {
				t.Errorf("got %+v\nwant %+v", *f, tt.want)
			}
		})
	}
	if _, err := policy.Parse("cookies", "c.md", "---\nversion: 1\n---\nx"); err == nil {
		t.Error("an unknown document parsed")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("---\nversion: 1\nmaterial: true\nsummary: s\n---\n# T\n")
	f.Add("---\n---\n")
	f.Add("---\nversion: a:b\n---\nx")
	f.Fuzz(func(t *testing.T, src string) {
		file, err := policy.Parse(policy.Privacy, "p.md", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy: p.md") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if file.Version == "" || strings.TrimSpace(file.Body) == "" || (file.Material && file.Summary == "") {
			t.Fatalf("accepted an incomplete file: %+v", file)
		}
	})
}

// The shipped defaults parse, and are material first versions.
func TestDefaults(t *testing.T) {
	files, err := policy.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		if !f.Material || !strings.HasPrefix(f.Body, "# ") {
			t.Errorf("%s: material %v, body starts %q", f.Document, f.Material, f.Body[:min(20, len(f.Body))])
		}
	}
}

// notifications records PolicyChanged calls.
type notifications []string

func (n *notifications) PolicyChanged(_ context.Context, doc policy.Document, v store.PolicyVersion) error {
	*n = append(*n, string(doc)+"/"+v.Version)
	return nil
}

type fixture struct {
	db     *sqlite.DB
	svc    *policy.Service
	told   *notifications
	now    time.Time
	userID int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, told: &notifications{}, now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	f.svc = policy.New(db, f.told, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.svc.Now = func() time.Time { return f.now }
	return f
}

func (f *fixture) addUser(t *testing.T, email string) *store.User {
	t.Helper()
	u := &store.User{Email: email, PasswordHash: "x", Tier: store.TierFree, CreatedAt: f.now}
	if err := f.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// publish publishes the given files (name → content), defaults for the rest.
func (f *fixture) publish(t *testing.T, files map[string]string) []store.PolicyVersion {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	loaded, err := policy.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	published, err := f.svc.Publish(context.Background(), loaded)
	if err != nil {
		t.Fatal(err)
	}
	// Skip the version cache, as another request would after cacheFor.
	f.now = f.now.Add(time.Minute)
	return published
}

func versions(vs []store.PolicyVersion) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Document+"/"+v.Version)
	}
	return strings.Join(out, " ")
}

func pendingDocs(t *testing.T, f *fixture, userID int64) string {
	t.Helper()
	p, err := f.svc.Pending(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range p {
		out = append(out, string(x.Document)+"/"+x.Current.Version+" (material "+x.Material.Version+")")
	}
	return strings.Join(out, ", ")
}

func terms(version string, material bool) string {
	return "---\nversion: " + version + "\nmaterial: " + map[bool]string{true: "true", false: "false"}[material] +
		"\nsummary: changes in " + version + "\n---\n# Terms " + version + "\n\n<script>alert(1)</script>\n"
}

func TestPublishAcceptAndPending(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// A new installation publishes the defaults and tells nobody.
	if got := versions(f.publish(t, nil)); got != "terms/2026-11-23 privacy/2026-11-23" {
		t.Fatalf("first publication: %q", got)
	}
	if len(*f.told) != 0 {
		t.Fatalf("told %v on a new installation", *f.told)
	}
	// Publishing the same files again changes nothing.
	if got := f.publish(t, nil); len(got) != 0 {
		t.Fatalf("republished %q", versions(got))
	}
	ann := f.addUser(t, "ann@example.org")
	if got, want := pendingDocs(t, f, ann.ID), "terms/2026-11-23 (material 2026-11-23), privacy/2026-11-23 (material 2026-11-23)"; got != want {
		t.Fatalf("pending %q, want %q", got, want)
	}
	wantCode(t, f.svc.RequireAccepted(ctx, ann), apperr.Forbidden)

	current := map[policy.Document]string{policy.Terms: "2026-11-23", policy.Privacy: "2026-11-23"}
	wantCode(t, f.svc.Accept(ctx, ann.ID, map[policy.Document]string{policy.Terms: "2026-11-23"}), apperr.Invalid)
	wantCode(t, f.svc.Accept(ctx, ann.ID, map[policy.Document]string{policy.Terms: "old", policy.Privacy: "2026-11-23"}), apperr.Invalid)
	if err := f.svc.Accept(ctx, ann.ID, current); err != nil {
		t.Fatal(err)
	}
	if got := pendingDocs(t, f, ann.ID); got != "" {
		t.Fatalf("pending after accepting: %q", got)
	}
	if err := f.svc.RequireAccepted(ctx, ann); err != nil {
		t.Fatal(err)
	}

	// A non-material version needs no acceptance and tells nobody.
	f.publish(t, map[string]string{"terms.md": terms("2026-12-01", false)})
	if got := pendingDocs(t, f, ann.ID); got != "" || len(*f.told) != 0 {
		t.Fatalf("after a non-material version: pending %q, told %v", got, *f.told)
	}
	// A material version: ann must accept the current version; users are told.
	f.publish(t, map[string]string{"terms.md": terms("2027-01-01", true)})
	if got := strings.Join(*f.told, " "); got != "terms/2027-01-01" {
		t.Fatalf("told %q", got)
	}
	if got, want := pendingDocs(t, f, ann.ID), "terms/2027-01-01 (material 2027-01-01)"; got != want {
		t.Fatalf("pending %q, want %q", got, want)
	}
	// A later non-material version: the one to accept is the current one,
	// and accepting it covers the material change before it.
	f.publish(t, map[string]string{"terms.md": terms("2027-01-15", false)})
	if got, want := pendingDocs(t, f, ann.ID), "terms/2027-01-15 (material 2027-01-01)"; got != want {
		t.Fatalf("pending %q, want %q", got, want)
	}
	err := f.svc.RequireAccepted(ctx, ann)
	wantCode(t, err, apperr.Forbidden)
	if !strings.Contains(apperr.MessageOf(err), "/policies/review") {
		t.Errorf("message %q does not say where to accept", apperr.MessageOf(err))
	}
	current[policy.Terms] = "2027-01-15"
	if err := f.svc.Accept(ctx, ann.ID, current); err != nil {
		t.Fatal(err)
	}
	if got := pendingDocs(t, f, ann.ID); got != "" {
		t.Fatalf("pending after accepting the later version: %q", got)
	}
	acc, err := f.svc.Acceptances(ctx, ann.ID)
	if err != nil || len(acc) != 3 {
		t.Fatalf("acceptances %v, %v", acc, err)
	}

	// Editing a published version's text without a new version is refused.
	fsys := fstest.MapFS{"terms.md": {Data: []byte(strings.Replace(terms("2027-01-15", false), "Terms", "Changed", 1))}}
	loaded, err := policy.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Publish(ctx, loaded); err == nil || !strings.Contains(err.Error(), "give the edited text a new version") {
		t.Fatalf("republishing edited text: %v", err)
	}
}

func TestFirstVersionOnAnInstallationWithUsersTellsThem(t *testing.T) {
	f := newFixture(t)
	f.addUser(t, "ann@example.org")
	f.publish(t, nil)
	if got := strings.Join(*f.told, " "); got != "terms/2026-11-23 privacy/2026-11-23" {
		t.Fatalf("told %q", got)
	}
}

func TestPageRendersSafely(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.publish(t, map[string]string{"terms.md": terms("v1", true)})
	f.publish(t, map[string]string{"terms.md": terms("v2", false)})
	p, err := f.svc.Page(ctx, policy.Terms, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Version.Version != "v2" || !p.Current || len(p.Versions) != 2 {
		t.Fatalf("page %+v", p.Version)
	}
	html := string(p.HTML)
	if !strings.Contains(html, `<h1 id="terms-v2">Terms v2</h1>`) || strings.Contains(html, "<script>") ||
		!strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("rendered %q", html)
	}
	old, err := f.svc.Page(ctx, policy.Terms, "v1")
	if err != nil || old.Current || !strings.Contains(string(old.HTML), "Terms v1") {
		t.Fatalf("old version: %+v, %v", old, err)
	}
	_, err = f.svc.Page(ctx, policy.Terms, "v9")
	wantCode(t, err, apperr.NotFound)
	_, err = f.svc.Page(ctx, "cookies", "")
	wantCode(t, err, apperr.NotFound)
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("error %v, want code %q", err, code)
	}
}

// countingStore counts the acceptance queries.
type countingStore struct {
	store.Store
	acceptanceReads int
}

func (c *countingStore) PolicyAcceptances(ctx context.Context, userID int64) ([]store.PolicyAcceptance, error) {
	c.acceptanceReads++
	return c.Store.PolicyAcceptances(ctx, userID)
}

// A user found with nothing to accept is not asked of the database again
// until a version is published; an account that took over the id of a
// deleted one is asked afresh.
func TestRequireAcceptedRemembersSettledUsers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.publish(t, nil)
	ann := f.addUser(t, "ann@example.org")
	if err := f.svc.Accept(ctx, ann.ID, map[policy.Document]string{policy.Terms: "2026-11-23", policy.Privacy: "2026-11-23"}); err != nil {
		t.Fatal(err)
	}
	counted := &countingStore{Store: f.db}
	svc := policy.New(counted, f.told, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.Now = func() time.Time { return f.now }
	for range 3 {
		if err := svc.RequireAccepted(ctx, ann); err != nil {
			t.Fatal(err)
		}
	}
	if counted.acceptanceReads != 1 {
		t.Fatalf("%d acceptance reads for three checks of a settled user, want 1", counted.acceptanceReads)
	}
	successor := &store.User{ID: ann.ID, CreatedAt: ann.CreatedAt.Add(time.Hour)}
	if err := svc.RequireAccepted(ctx, successor); err != nil {
		t.Fatal(err)
	}
	if counted.acceptanceReads != 2 {
		t.Fatalf("an account with a reused id was taken for settled (%d reads)", counted.acceptanceReads)
	}
	// A material version published by another instance unsettles everyone
	// once this one's version cache has expired (publish moves the clock).
	f.publish(t, map[string]string{"terms.md": terms("2027-01-01", true)})
	wantCode(t, svc.RequireAccepted(ctx, ann), apperr.Forbidden)
}
