// Package phi detects and redacts the 18 HIPAA Safe Harbor identifiers
// (45 CFR 164.514(b)(2)) in clinical text, and guards every analysis.
//
// # Finding identifiers
//
// Scan(text) returns the identifiers as Spans: sorted by Start, never
// overlapping, byte offsets into text (text[s.Start:s.End] == s.Text),
// with a Kind (one constant per Safe Harbor category; dates and ages over
// 89 are two kinds of category 3) and a confidence in (0, 1]. NewDetector
// gives a detector with Options: keep clinicians' names, or drop spans
// below a confidence. Detectors are safe for concurrent use.
//
// The detector is rules and word lists, not a model: a tokenizer makes
// one pass over the text, then detectors for web identifiers, dates and
// ages, cued and shaped identifiers (MRN, SSN, card, IBAN, MBI, VIN, UDI),
// addresses, telephone numbers and names add candidates, and the most
// confident candidate wins where they overlap. Names come from name lists,
// titles, cue phrases ("signed by", "daughter", "hi ,"), capitalisation and
// the sentence around a word, and spread to the other mentions of the same
// name. Medical eponyms (Parkinson, Crohn, Bell's palsy), drugs, doses,
// vitals, ratios, lab values, scores and codes are left alone. The word
// lists are data files (data/README.md).
//
// # Redacting
//
// Redact(text, spans, opts) replaces each span with its typed placeholder
// ("[NAME]", "[DATE]", Kind.Placeholder) or, with RedactOptions.Pseudonyms,
// with surrogate names and numbered placeholders ("[DATE-2]") that stay
// consistent within the text. The Redaction keeps one Replacement per span
// and maps offsets both ways: evidence found in the redacted text is traced
// to the original note with ToOriginal, and original spans are located in
// the redacted text with ToRedacted.
//
// # Guarding an analysis
//
// Guard.Check(Request) decides what happens to a note before analysis.
// Outside BAA mode the user must attest that the note holds no PHI
// (ErrAttestationRequired otherwise) and the detector runs anyway: with
// PolicyBlock a note with identifiers is blocked and its spans shown to the
// user; with PolicyRedact the redacted note is analysed. In BAA mode the
// note is analysed as it is and the spans come back as a warning. The
// Decision's JSON form is the audit record: outcome, policy, kinds, counts,
// offsets and the note's SHA-256, never note text.
package phi
