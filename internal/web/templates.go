package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"text/template/parse"
	"time"

	"github.com/medcode/medcode/internal/engine"
	"github.com/medcode/medcode/internal/support"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// views declares every view and the partials it includes. parseTemplates
// refuses to start when a file in templates/views is missing here, or the
// other way round, so a view cannot ship half-wired.
var views = map[string][]string{
	"landing":              nil,
	"policy":               nil,
	"policy_review":        {"form_error"},
	"unsubscribe":          {"form_error"},
	"error":                nil,
	"signup":               {"form_error", "password_rules"},
	"signin":               {"form_error"},
	"signin_mfa":           {"form_error"},
	"verify_email":         {"form_error"},
	"password_forgot":      {"form_error"},
	"password_reset":       {"form_error", "password_rules"},
	"analyze":              {"form_error", "result", "codes", "decision", "note_view", "phi_blocked", "usage_meter"},
	"analysis":             {"form_error", "result", "codes", "decision", "note_view"},
	"decision":             {"decision"},
	"history":              {"pager"},
	"profile":              {"form_error", "password_rules"},
	"mfa_setup":            {"form_error"},
	"usage":                {"usage_meter"},
	"account_delete":       {"form_error"},
	"support":              {"form_error"},
	"support_thread":       {"form_error", "support_messages"},
	"admin_support":        nil,
	"admin_support_thread": {"form_error", "support_messages"},
	"admin_notices":        {"form_error"},
	"orgs":                 {"form_error"},
	"invite":               nil,
	"org":                  {"form_error", "usage_meter"},
	"members":              {"form_error"},
	"rules":                {"form_error"},
	"feedback":             nil,
	"audit":                nil,
	"org_delete":           {"form_error"},
	"batches":              nil,
	"batch":                {"batch_progress"},
}

// conversationView is what the support_messages partial shows: a
// thread's messages, seen by the user or by the staff.
type conversationView struct {
	Messages []support.Message
	Staff    bool
}

// templates holds one parsed set per view: layout + partials + view.
type templates struct {
	sets map[string]*template.Template
}

func parseTemplates() (*templates, error) {
	files, err := fs.Glob(templateFS, "templates/views/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if _, ok := views[name]; !ok {
			return nil, fmt.Errorf("web: view %s is not declared in the views map", name)
		}
	}
	funcs := template.FuncMap{
		"static":  staticURL,
		"percent": func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" },
		"date":    func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"day":     func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"offsets": offsets,
		"month": func(m string) string {
			t, err := time.Parse("2006-01", m)
			if err != nil {
				return m
			}
			return t.Format("January 2006")
		},
		"add": func(a, b int) int { return a + b },
		"conversation": func(t *support.Thread, staff bool) conversationView {
			return conversationView{Messages: t.Messages, Staff: staff}
		},
		"ratio": func(done, total int) string {
			if total == 0 {
				return "0%"
			}
			return strconv.Itoa(done*100/total) + "%"
		},
		"decisionFor": func(rv *recordView, code string) *decisionData {
			return &decisionData{Base: rv.Base, ID: rv.ID, Code: code, Decision: string(rv.Decisions[code]),
				Replacement: rv.Replacements[code], Editable: rv.CanDecide}
		},
	}
	t := &templates{sets: map[string]*template.Template{}}
	for view, partials := range views {
		patterns := []string{"templates/layout.html", "templates/views/" + view + ".html"}
		for _, p := range partials {
			patterns = append(patterns, "templates/partials/"+p+".html")
		}
		set, err := template.New(view).Funcs(funcs).ParseFS(templateFS, patterns...)
		if err != nil {
			return nil, fmt.Errorf("web: parsing view %s: %w", view, err)
		}
		if set.Lookup("content") == nil {
			return nil, fmt.Errorf("web: view %s defines no \"content\" template", view)
		}
		if err := checkCalls(set); err != nil {
			return nil, fmt.Errorf("web: view %s: %w (declare the partial in the views map)", view, err)
		}
		t.sets[view] = set
	}
	return t, nil
}

// checkCalls fails when a template of set includes one that set lacks, so
// a missing partial stops the server at start instead of failing a request.
func checkCalls(set *template.Template) error {
	for _, tpl := range set.Templates() {
		if tpl.Tree == nil {
			continue
		}
		if err := walkCalls(tpl.Tree.Root, set); err != nil {
			return err
		}
	}
	return nil
}

func walkCalls(n parse.Node, set *template.Template) error {
	switch n := n.(type) {
	case *parse.TemplateNode:
		if set.Lookup(n.Name) == nil {
			return fmt.Errorf("template %q is included but not parsed", n.Name)
		}
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := walkCalls(c, set); err != nil {
				return err
			}
		}
	case *parse.IfNode:
		return walkBranch(&n.BranchNode, set)
	case *parse.RangeNode:
		return walkBranch(&n.BranchNode, set)
	case *parse.WithNode:
		return walkBranch(&n.BranchNode, set)
	}
	return nil
}

func walkBranch(b *parse.BranchNode, set *template.Template) error {
	if err := walkCalls(b.List, set); err != nil {
		return err
	}
	if b.ElseList != nil {
		return walkCalls(b.ElseList, set)
	}
	return nil
}

func (t *templates) has(view, name string) bool {
	set, ok := t.sets[view]
	return ok && set.Lookup(name) != nil
}

// execute runs one template of a view. Parsed sets are safe for concurrent
// use, so no per-request clone is needed.
func (t *templates) execute(w io.Writer, view, name string, data any) error {
	set, ok := t.sets[view]
	if !ok {
		return fmt.Errorf("web: unknown view %q", view)
	}
	return set.ExecuteTemplate(w, name, data)
}

// offsets renders evidence as "start-end start-end" byte offsets for the
// data-evidence attribute app.js reads.
func offsets(ev []engine.Evidence) string {
	parts := make([]string, 0, len(ev))
	for _, e := range ev {
		parts = append(parts, strconv.Itoa(e.Start)+"-"+strconv.Itoa(e.End))
	}
	return strings.Join(parts, " ")
}

// staticVersions maps each static file to a short hash of its content, so
// URLs change when a file does and browsers may cache them for long.
var staticVersions = func() map[string]string {
	out := map[string]string{}
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}()

func staticURL(name string) (string, error) {
	v, ok := staticVersions[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + name + "?v=" + v, nil
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".md") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}
