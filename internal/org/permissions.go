// Package org is medcode's clinic side: organizations, their members and
// roles, invitations, the Business Associate Agreement, retention, and the
// permission matrix that says what each role may do. Every route and
// service method of an organization's workspace names one Permission, and
// Can answers from the one table below; docs/permissions.md is generated
// from it (go test ./internal/org -run TestPermissionsDoc -update).
package org

import "github.com/medcode/medcode/internal/store"

// Permission is one thing a member may be allowed to do.
type Permission string

// The permissions.
const (
	ViewOrg         Permission = "org.view"
	CreateAnalysis  Permission = "analysis.create"
	ReadAnalysis    Permission = "analysis.read"
	DeleteAnalysis  Permission = "analysis.delete"
	ReadNote        Permission = "note.read"
	WriteFeedback   Permission = "feedback.write"
	ReadFeedback    Permission = "feedback.read"
	ReadRules       Permission = "rules.read"
	WriteRules      Permission = "rules.write"
	ManageMembers   Permission = "members.manage"
	ManageOwners    Permission = "owners.manage"
	ManageBAA       Permission = "baa.manage"
	ManageRetention Permission = "retention.manage"
	ReadAudit       Permission = "audit.read"
	ExportOrg       Permission = "org.export"
	DeleteOrg       Permission = "org.delete"
)

// The matrix's columns, in the order of store.Roles.
const (
	Y = true
	N = false
)

// Matrix is the permission matrix: whether each role holds each
// permission, and what the permission allows. It is the only place roles
// get their powers.
var Matrix = []struct {
	Roles      [5]bool // owner, admin, coder, biller, viewer (store.Roles)
	Permission Permission
	Allows     string
}{
	//        owner, admin, coder, biller, viewer
	{[5]bool{Y, Y, Y, Y, Y}, ViewOrg, "see the organization: its members, BAA status, retention and usage"},
	{[5]bool{Y, Y, Y, Y, Y}, ReadAnalysis, "open the organization's history and its analyses (codes, evidence offsets)"},
	{[5]bool{Y, Y, Y, N, N}, CreateAnalysis, "analyse notes in the organization's workspace, re-code a retained note"},
	{[5]bool{Y, Y, N, N, N}, DeleteAnalysis, "delete one of the organization's analyses"},
	{[5]bool{Y, Y, Y, Y, N}, ReadNote, "read a retained note's text (PHI, under the BAA)"},
	{[5]bool{Y, Y, Y, N, N}, WriteFeedback, "accept, reject or change a suggested code"},
	{[5]bool{Y, Y, Y, Y, N}, ReadFeedback, "see per-code acceptance statistics and suggested rules"},
	{[5]bool{Y, Y, Y, Y, Y}, ReadRules, "see the clinic coding rules and their versions"},
	{[5]bool{Y, Y, N, N, N}, WriteRules, "edit the clinic coding rules, adopt a suggested rule"},
	{[5]bool{Y, Y, N, N, N}, ManageMembers, "invite members, withdraw invitations, change roles below owner, remove members"},
	{[5]bool{Y, N, N, N, N}, ManageOwners, "make a member an owner, or change or remove an owner"},
	{[5]bool{Y, N, N, N, N}, ManageBAA, "record or end the Business Associate Agreement"},
	{[5]bool{Y, N, N, N, N}, ManageRetention, "set how long analyses and notes are kept"},
	{[5]bool{Y, Y, N, N, N}, ReadAudit, "read the audit log and export it as CSV"},
	{[5]bool{Y, N, N, N, N}, ExportOrg, "export all of the organization's data"},
	{[5]bool{Y, N, N, N, N}, DeleteOrg, "delete the organization and all its data"},
}

// Can reports whether role holds p. An unknown role or permission holds
// nothing.
func Can(role store.Role, p Permission) bool {
	col := roleColumn(role)
	if col < 0 {
		return false
	}
	for _, row := range Matrix {
		if row.Permission == p {
			return row.Roles[col]
		}
	}
	return false
}

func roleColumn(role store.Role) int {
	for i, r := range store.Roles {
		if r == role {
			return i
		}
	}
	return -1
}

// Known reports whether p is in the matrix.
func Known(p Permission) bool {
	for _, row := range Matrix {
		if row.Permission == p {
			return true
		}
	}
	return false
}
