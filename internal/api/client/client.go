// Package client is a Go client of medcode's JSON API, used by the tests,
// `medcode bench http` and integrators.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medcode/medcode/internal/analysis"
)

// Client calls one medcode server.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string // bearer token; set by Login
	HTTP    *http.Client
}

// New returns a client of baseURL using http.DefaultClient.
func New(baseURL string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: http.DefaultClient}
}

// Error is an API error response.
type Error struct {
	Status  int
	Code    string
	Message string
	Details json.RawMessage
}

func (e *Error) Error() string {
	return fmt.Sprintf("medcode API: %d %s: %s", e.Status, e.Code, e.Message)
}

// do sends a request and decodes a JSON answer into out (when non-nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return decodeError(resp)
	}
	if out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("client: decoding %s %s: %w", method, path, err)
	}
	return nil
}

// decodeError reads an API error response.
func decodeError(resp *http.Response) error {
	var e struct {
		Error struct {
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Details json.RawMessage `json:"details"`
		} `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(b, &e); err != nil {
		return &Error{Status: resp.StatusCode, Code: "http", Message: strings.TrimSpace(string(b))}
	}
	return &Error{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message, Details: e.Error.Details}
}

// SignUp creates an account for a person who is 18 or older and accepts
// the server's current terms of service and privacy policy: it reads their
// versions from GET /api/v1/policies and accepts those. The caller vouches
// for both on the person's behalf.
func (c *Client) SignUp(ctx context.Context, email, password string) error {
	current, err := c.Policies(ctx)
	if err != nil {
		return err
	}
	in := struct {
		Email            string            `json:"email"`
		Password         string            `json:"password"`
		Adult            bool              `json:"adult"`
		AcceptedPolicies map[string]string `json:"accepted_policies"`
	}{email, password, true, versions(current)}
	return c.do(ctx, http.MethodPost, "/api/v1/signup", in, nil)
}

// PolicyVersion is one version of a policy document.
type PolicyVersion struct {
	Version     string    `json:"version"`
	Material    bool      `json:"material"`
	Summary     string    `json:"summary"`
	PublishedAt time.Time `json:"published_at"`
	URL         string    `json:"url"`
}

// Policies returns the current version of each policy document, by
// document ("terms", "privacy").
func (c *Client) Policies(ctx context.Context) (map[string]PolicyVersion, error) {
	var out map[string]PolicyVersion
	if err := c.do(ctx, http.MethodGet, "/api/v1/policies", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AcceptPolicies accepts the current terms of service and privacy policy,
// which a material change requires before new analyses.
func (c *Client) AcceptPolicies(ctx context.Context) error {
	current, err := c.Policies(ctx)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/api/v1/account/policies", versions(current), nil)
}

func versions(current map[string]PolicyVersion) map[string]string {
	out := map[string]string{}
	for doc, v := range current {
		out[doc] = v.Version
	}
	return out
}

// Login gets a bearer token and keeps it in c.Token. totp may be "".
func (c *Client) Login(ctx context.Context, email, password, totp string) error {
	var out struct {
		Token string `json:"token"`
	}
	in := map[string]string{"email": email, "password": password}
	if totp != "" {
		in["totp"] = totp
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/tokens", in, &out); err != nil {
		return err
	}
	c.Token = out.Token
	return nil
}

// AnalyzeRequest is a note to code.
type AnalyzeRequest struct {
	Note          string `json:"note"`
	NoPHIAttested bool   `json:"no_phi_attested"`
	SavePreview   bool   `json:"save_preview"`
	Profile       string `json:"profile,omitempty"`
}

// Analyze codes a note.
func (c *Client) Analyze(ctx context.Context, in AnalyzeRequest) (*analysis.Record, error) {
	var out analysis.Record
	if err := c.do(ctx, http.MethodPost, "/api/v1/analyses", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns a page of history; code filters by code prefix ("" for all).
func (c *Client) List(ctx context.Context, page, perPage int, code string) (*analysis.Page, error) {
	q := url.Values{}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if perPage > 0 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	if code != "" {
		q.Set("code", code)
	}
	var out analysis.Page
	if err := c.do(ctx, http.MethodGet, "/api/v1/analyses?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get returns one analysis.
func (c *Client) Get(ctx context.Context, id string) (*analysis.Record, error) {
	var out analysis.Record
	if err := c.do(ctx, http.MethodGet, "/api/v1/analyses/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes one analysis.
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/analyses/"+url.PathEscape(id), nil, nil)
}

// Usage returns this month's usage.
func (c *Client) Usage(ctx context.Context) (*analysis.Usage, error) {
	var out analysis.Usage
	if err := c.do(ctx, http.MethodGet, "/api/v1/usage", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Export returns all of the account's data.
func (c *Client) Export(ctx context.Context) (*analysis.Export, error) {
	var out analysis.Export
	if err := c.do(ctx, http.MethodGet, "/api/v1/export", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAccount deletes the account and all its data; the password
// confirms it.
func (c *Client) DeleteAccount(ctx context.Context, password string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/account", map[string]any{"password": password, "confirm": true}, nil)
}
