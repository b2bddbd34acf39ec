package org

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/medcode/medcode/internal/apperr"
	"github.com/medcode/medcode/internal/audit"
	"github.com/medcode/medcode/internal/rules"
	"github.com/medcode/medcode/internal/store"
)

// Rules returns one version of the organization's clinic rules, the
// current one for version 0. An organization without rules gets version 0
// with an empty source.
func (s *Service) Rules(ctx context.Context, ws Workspace, version int) (*store.RuleSet, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(ReadRules); err != nil {
		return nil, err
	}
	if version < 0 {
		return nil, apperr.New(apperr.Invalid, "A rules version is a positive number.")
	}
	rs, err := s.db.RuleSet(ctx, ws.Org.ID, version)
	if apperr.Is(err, apperr.NotFound) && version == 0 {
		return &store.RuleSet{OrgID: ws.Org.ID}, nil
	}
	return rs, err
}

// RuleVersions lists the versions of the rules, newest first.
func (s *Service) RuleVersions(ctx context.Context, ws Workspace) ([]store.RuleSet, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(ReadRules); err != nil {
		return nil, err
	}
	return s.db.RuleSetVersions(ctx, ws.Org.ID)
}

// SaveRules checks a rules document and saves it as the next version. A
// document with problems is refused (Invalid) with every problem in the
// error's details; a document equal to the current one saves nothing.
func (s *Service) SaveRules(ctx context.Context, ws Workspace, src string) (*store.RuleSet, error) {
	if err := ws.RequireOrg(); err != nil {
		return nil, err
	}
	if err := ws.Require(WriteRules); err != nil {
		return nil, err
	}
	doc, err := rules.Parse([]byte(src), s.catalog)
	if err != nil {
		var re *rules.Error
		if errors.As(err, &re) {
			return nil, apperr.New(apperr.Invalid, "The rules were not saved: %d problem(s), the first: %s.", len(re.Problems), re.Problems[0]).
				WithDetails(map[string]any{"problems": re.Problems})
		}
		return nil, err
	}
	cur, err := s.db.RuleSet(ctx, ws.Org.ID, 0)
	switch {
	case err == nil && cur.Source == src:
		return cur, nil
	case err != nil && !apperr.Is(err, apperr.NotFound):
		return nil, err
	}
	rs := &store.RuleSet{OrgID: ws.Org.ID, Source: src, AuthorID: ws.User.ID, CreatedAt: s.Now()}
	if err := s.db.SaveRuleSet(ctx, rs); err != nil {
		return nil, err
	}
	return rs, s.audit.Record(ctx, audit.Event{OrgID: ws.Org.ID, ActorID: ws.User.ID, Action: audit.RulesUpdate,
		Target: "v" + strconv.Itoa(rs.Version), Details: map[string]any{"version": rs.Version, "rules": doc.Count()}})
}

// Citation names a version of an organization's rules in the results.
func Citation(o *store.Org, version int) string {
	return fmt.Sprintf("%s coding rules, version %d", o.Name, version)
}
