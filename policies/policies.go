// Package policies holds the terms of service and privacy policy medcode
// publishes when the operator supplies none of their own. They are
// Markdown with a front matter block; docs/policies.md explains the format
// and how an operator replaces them (MEDCODE_POLICY_DIR).
package policies

import "embed"

// Defaults holds terms.md and privacy.md.
//
//go:embed terms.md privacy.md
var Defaults embed.FS
