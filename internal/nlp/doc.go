// Package nlp reads a clinical note for the coding engine: tokens,
// sections, list items and sentences, a normalized word stream with
// abbreviations expanded, ConText-style assertions, measurements,
// medications, anatomic sites with their side, and attribute cues
// (acuity, severity, type, encounter phase). It does not assign codes;
// it tells the engine what the note says and where.
//
// # Use
//
//	d := nlp.Analyze(note)             // or a := nlp.Default(); a.Analyze(note)
//	for _, tm := range d.Terms { ... } // match dictionary phrases over the terms
//	as := d.Assert(start, end, nlp.Chronic)
//	at := d.Attributes(start, end)
//
// The Analyzer is immutable after New and safe for concurrent use; a Doc
// is not modified after Analyze returns, so its methods may be called from
// several goroutines.
//
// # Offsets
//
// Every span in a Doc (tokens, terms, sections, sentences, triggers,
// measurements, medications, sites, cues) is a byte range of the original
// text: note[Start:End] is what the note says there, whatever the input
// (invalid UTF-8 included). An expanded abbreviation's terms all carry the
// abbreviation's span, so evidence for "type 2 diabetes mellitus" matched
// over "T2DM" is note[Start:End] == "T2DM".
//
// # Matching
//
// Doc.Terms is the stream a dictionary matcher walks: one Term per word or
// number, punctuation dropped, each normalized by the same code as
// dictionary text (NormalizePhrase): folded to lower-case ASCII, possessive
// dropped ("Crohn's" = "crohn"), spelling and British variants fixed,
// number words to digits, roman numerals after "type"/"stage"/"class" to
// digits, hyphenated prefixes joined ("pre-diabetes" = "prediabetes"),
// hyphens otherwise splitting ("type-2" = "type 2"), and a light stemmer
// ("fractures", "fractured", "fracturing" = "fractur"). Abbreviations
// are replaced by the words of their chosen sense ("HTN" -> "hypertension",
// "CKD3a" -> "chronic kidney disease stage 3a"). Term flags:
//
//   - Expanded: the term comes from an abbreviation (span = the abbreviation).
//   - Ambiguous: an ambiguous abbreviation no context resolved; it must not
//     be part of a coded concept.
//   - Stop: a function word a matcher may skip ("the", "of"; never "with",
//     "without", "not", "due", "in").
//   - BreakBefore: a comma, semicolon, colon or bracket separates the term
//     from the previous one.
//
// Terms never cross sentences (Term.Sentence); Sentence.Elements splits a
// list sentence ("HTN, DM2, HLD") into entries a matcher should not join.
// Section headers, bullets and exam shorthand (NAD, RRR, NKDA) are kept out
// of the stream.
//
// # Assertions
//
// Doc.Assert(start, end, traits) resolves a concept mention to one Status:
// Affirmed, Negated, Uncertain, Hypothetical, Historical, Family or Other
// (another person, or an exposure: Z20 contact codes). Triggers come from
// data/context.tsv with a direction (pre, post, both), a window, pseudo
// triggers that hide them ("gram negative", "no increase") and
// terminators ("but", "which"; "with" ends only history scopes). Pre
// scopes run through comma lists ("denies fever, chills or cough"); a
// clause verb after a comma closes them ("no fever, has cough"). When
// several categories cover a concept, negation wins, then hypothetical,
// family, other, uncertain, historical. Beyond ConText:
//
//   - A rule-out settled by a test result in the same or next sentence
//     ("R/o strep; rapid strep negative") is Negated, or Affirmed when
//     positive.
//   - Rule R8: with traits Chronic, a soft history cue ("history of HTN")
//     becomes Affirmed (Assertion.Current) when the sentence shows active
//     care (a current medication, a measurement, "on", "continue",
//     "controlled") or sits in the A/P. Firm cues (s/p, resolved, years
//     ago) stay Historical.
//   - In the family-history section every mention is Family unless the
//     sentence names the patient.
//
// Assertion.Trigger is the deciding cue with its span, for the reasoning
// shown to a coder.
//
// # Sections
//
// Sections come from data/sections.tsv: canonical kinds with their coding
// weight (coding-domain.md §3.2; A/P 1.0, ROS 0.1) and many header
// spellings, recognised at a line start (with a colon, a dash or alone on
// the line) and, with a colon, after a sentence on the same line ("... 20
// mg. A/P: ..."). Single-letter SOAP headers need capitals and a colon
// ("S:", "O:"). Unknown capitalised header lines open a SectionUnknown;
// body-system labels ("Cardiovascular:") never change the section. Text
// before the first header (all of a note without headers) is SectionNone.
// Section.Label is the display name used as the evidence "section".
//
// # Abbreviations
//
// data/abbreviations.tsv holds the abbreviations of coding-domain.md §3.4
// and common shorthand, each with its case rule ("AS" only in capitals),
// expansion and default target codes (Abbreviation.Codes: data for the
// engine, never applied here). Ambiguous abbreviations list one sense per
// row with cues: the adjacent words ("CVA tenderness", "1 ppd", "on RA"),
// words nearby, the section, a number next to it. The best-scoring sense
// wins; a tie or no evidence falls back to the default sense if the entry
// has one, else the abbreviation stays unresolved (Resolved false).
//
// # Measurements, medications, sites
//
// Doc.Measurements (coding-domain.md §3.5): BMI and pediatric BMI
// percentile, A1c, blood pressure (labelled, or with mmHg, or in the
// vitals section; never "3/6 murmur" or a date), eGFR, temperature, SpO2,
// CKD stage, total practitioner time, drug dose, wound and lesion length
// (mm converted to cm), lesion counts (number words too), PHQ-9, PHQ-2,
// GAD-7, pack-years, age and sex. Doc.Patient takes the first stated age
// and sex, inferring the sex from pronouns when none is stated.
//
// Doc.Medications (§3.6): the drug's class, the Z79 status code long-term
// use implies (StatusCode, only when current and long-term), the suspected
// condition (a query flag), whether it is current (not stopped, held, an
// allergy, tried before, completed, declined, negated, planned or someone
// else's) and whether the course is long-term (class default, course cues
// such as "x 10 days" or "burst", as-needed use, the medication list).
//
// Doc.Sites (§3.7): anatomic head nouns with the side attached to the
// nearest one ("R knee pain and L ankle swelling"), finger and toe digits,
// and laceration-repair groups. Doc.Attributes gathers, for one concept,
// its site and side, the acuity, severity, type, fracture, control, course
// and rupture cues of its clause, and the nearest encounter-phase cue for
// 7th characters (initial, subsequent, sequela).
//
// # Data
//
// The lexicons are tab-separated files in data/, embedded in the binary:
// normalize.tsv, sections.tsv, context.tsv, abbreviations.tsv,
// measurements.tsv, medications.tsv, anatomy.tsv, attributes.tsv. Each
// file documents its entry kinds at the top; the tests check every entry
// of every kind in a sentence built around it, and New reports a broken
// entry with its file and line.
package nlp
