package audit

import (
	"bytes"
	"context"
	"fmt"

	"github.com/medcode/medcode/internal/store"
)

// Problem is one break of the chain.
type Problem struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// Report is what Verify found.
type Report struct {
	Entries  int64     `json:"entries"`
	Head     []byte    `json:"head"`
	Problems []Problem `json:"problems"`
}

// Intact reports whether the log verified.
func (r *Report) Intact() bool { return len(r.Problems) == 0 }

// Verify walks the whole log and reports every entry that was edited
// (its hash no longer matches its fields), deleted (a gap in the sequence,
// or entries missing after the last one the head recorded) or reordered
// (its previous hash is not its predecessor's hash).
func Verify(ctx context.Context, db store.Audit) (*Report, error) {
	headSeq, headHash, err := db.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	r := &Report{Head: headHash}
	var expect int64 = 1
	var prev []byte
	err = db.EachAudit(ctx, func(e *store.AuditEntry) error {
		r.Entries++
		switch {
		case e.Seq > expect:
			r.add(expect, fmt.Sprintf("entries %d to %d are missing (deleted)", expect, e.Seq-1))
		case e.Seq < expect:
			r.add(e.Seq, "sequence number out of order")
		}
		if !bytes.Equal(e.Hash, Hash(e)) {
			r.add(e.Seq, "the entry was edited: its hash does not match its content")
		}
		if e.Seq == expect && !bytes.Equal(e.PrevHash, prev) {
			r.add(e.Seq, fmt.Sprintf("the entry does not follow entry %d: the chain is broken", e.Seq-1))
		}
		prev, expect = e.Hash, e.Seq+1
		return nil
	})
	if err != nil {
		return nil, err
	}
	last := expect - 1
	switch {
	case headSeq > last:
		r.add(last+1, fmt.Sprintf("entries %d to %d are missing (deleted): the log ends at %d but its head records %d", last+1, headSeq, last, headSeq))
	case headSeq < last:
		r.add(headSeq+1, fmt.Sprintf("entries after %d were not appended through medcode: the head records %d", headSeq, headSeq))
	case !bytes.Equal(headHash, prev):
		r.add(last, "the last entry's hash does not match the head: it was edited")
	}
	return r, nil
}

func (r *Report) add(seq int64, reason string) {
	r.Problems = append(r.Problems, Problem{Seq: seq, Reason: reason})
}
