// Package x837 writes and reads the X12 837 professional claim,
// implementation guide 005010X222A1.
package x837

// Version is the implementation convention this package writes and reads.
const Version = "005010X222A1"

// Party is the submitter (loop 1000A) or receiver (loop 1000B).
type Party struct {
	Name string `json:"name"`
	ID   string `json:"id"` // electronic transmitter id (NM109, qualifier 46)
	// Contact, Phone and Email fill the submitter's PER segment.
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
}
