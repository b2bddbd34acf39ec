package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// pdfDPI is the resolution the charts are drawn at in the PDF.
const pdfDPI = 200

// WritePDF writes the report as a PDF: the figures with charts and the
// assumptions; the lines behind the figures are in the CSV and the HTML.
func (r *Report) WritePDF(w io.Writer) error {
	cs, err := charts(&r.Overall)
	if err != nil {
		return err
	}
	d := newPDFDoc(r)
	for name, c := range cs {
		img, err := c.png(pdfDPI)
		if err != nil {
			return err
		}
		d.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
		d.sizes[name] = [2]float64{c.w.Points() * 25.4 / 72, c.h.Points() * 25.4 / 72}
	}
	d.summary()
	d.emSection()
	d.codingSection()
	d.denialSection()
	d.scrubSection()
	d.trendSection()
	d.scopeSection()
	d.assumptionSection()
	if err := d.pdf.Error(); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	if err := d.pdf.Output(w); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	return nil
}

// pdfDoc writes one report PDF.
type pdfDoc struct {
	r     *Report
	pdf   *fpdf.Fpdf
	tr    func(string) string // UTF-8 to the core fonts' code page
	sizes map[string][2]float64
	width float64 // printable width, mm
}

const (
	pdfMargin = 15.0
	lineH     = 4.6
)

func newPDFDoc(r *Report) *pdfDoc {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, pdfMargin)
	p.SetCellMargin(0) // table cells pad themselves, so text widths are the cells' own
	p.SetCreator("medcode", false)
	p.SetCreationDate(r.Generated)
	p.SetModificationDate(r.Generated)
	p.AliasNbPages("{nb}")
	d := &pdfDoc{r: r, pdf: p, tr: p.UnicodeTranslatorFromDescriptor(""), sizes: map[string][2]float64{}}
	p.SetTitle(d.tr("Revenue analysis: "+r.Title), false)
	pw, _ := p.GetPageSize()
	d.width = pw - 2*pdfMargin
	p.SetFooterFunc(func() {
		p.SetY(-10)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 4, d.tr(fmt.Sprintf("%s, %s to %s", r.Title, r.From, r.To)), "", 0, "L", false, 0, "")
		p.CellFormat(0, 4, fmt.Sprintf("page %d of {nb}", p.PageNo()), "", 0, "R", false, 0, "")
	})
	return d
}

func (d *pdfDoc) heading(text string) {
	d.pdf.SetFont("Helvetica", "B", 14)
	d.pdf.SetTextColor(0x1f, 0x4e, 0x79)
	d.pdf.CellFormat(0, 9, d.tr(text), "", 1, "L", false, 0, "")
	d.pdf.SetTextColor(0, 0, 0)
}

func (d *pdfDoc) subheading(text string) {
	d.space(12)
	d.pdf.SetFont("Helvetica", "B", 11)
	d.pdf.CellFormat(0, 7, d.tr(text), "", 1, "L", false, 0, "")
}

func (d *pdfDoc) para(text string) {
	d.pdf.SetFont("Helvetica", "", 9)
	d.pdf.MultiCell(0, lineH, d.tr(text), "", "L", false)
	d.pdf.Ln(1)
}

// space starts a new page when less than h mm is left.
func (d *pdfDoc) space(h float64) {
	_, ph := d.pdf.GetPageSize()
	if d.pdf.GetY()+h > ph-pdfMargin {
		d.pdf.AddPage()
	}
}

// image places a chart at full width (or its own width when smaller).
func (d *pdfDoc) image(name string) {
	sz, ok := d.sizes[name]
	if !ok {
		return
	}
	w, h := sz[0], sz[1]
	if w > d.width {
		h, w = h*d.width/w, d.width
	}
	d.space(h + 2)
	x := pdfMargin + (d.width-w)/2
	d.pdf.ImageOptions(name, x, d.pdf.GetY(), w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	d.pdf.SetY(d.pdf.GetY() + h + 2)
}

// column of a PDF table: its share of the width and alignment.
type column struct {
	title string
	width float64 // fraction of the printable width
	align string  // "L", "R", "C"
}

// table draws rows with wrapped cells; the header repeats on new pages.
func (d *pdfDoc) table(cols []column, rows [][]string) {
	p := d.pdf
	// Each header is set in the largest size, 7.5 pt at most, at which
	// its longest word fits its column: words are never broken.
	sizes := make([]float64, len(cols))
	for i, c := range cols {
		sizes[i] = 7.5
		for ; sizes[i] > 5.5; sizes[i] -= 0.5 {
			p.SetFont("Helvetica", "B", sizes[i])
			widest := 0.0
			for _, word := range strings.Fields(c.title) {
				widest = max(widest, p.GetStringWidth(d.tr(word)))
			}
			if widest <= c.width*d.width-2 {
				break
			}
		}
	}
	header := func() {
		p.SetFillColor(0xe8, 0xee, 0xf4)
		p.SetDrawColor(0xaa, 0xaa, 0xaa)
		h := 0.0
		for i, c := range cols {
			p.SetFont("Helvetica", "B", sizes[i])
			h = max(h, float64(len(p.SplitText(d.tr(c.title), c.width*d.width-2)))*3.6+1.5)
		}
		x, y := p.GetX(), p.GetY()
		for i, c := range cols {
			w := c.width * d.width
			p.SetFont("Helvetica", "B", sizes[i])
			p.Rect(x, y, w, h, "FD")
			p.SetXY(x+1, y+0.7)
			p.MultiCell(w-2, 3.6, d.tr(c.title), "", c.align, false)
			x += w
		}
		p.SetXY(pdfMargin, y+h)
		p.SetFont("Helvetica", "", 8)
	}
	d.space(20)
	header()
	_, ph := p.GetPageSize()
	for i, row := range rows {
		h := 0.0
		for j, c := range cols {
			h = max(h, float64(len(p.SplitText(d.tr(row[j]), c.width*d.width-2)))*3.6+1.4)
		}
		if p.GetY()+h > ph-pdfMargin-4 {
			p.AddPage()
			header()
		}
		x, y := pdfMargin, p.GetY()
		if i%2 == 1 {
			p.SetFillColor(0xf6, 0xf8, 0xfa)
			p.Rect(x, y, d.width, h, "F")
		}
		for j, c := range cols {
			w := c.width * d.width
			p.SetDrawColor(0xcc, 0xcc, 0xcc)
			p.Rect(x, y, w, h, "D")
			p.SetXY(x+1, y+0.7)
			p.MultiCell(w-2, 3.6, d.tr(row[j]), "", c.align, false)
			x += w
		}
		p.SetXY(pdfMargin, y+h)
	}
	p.SetDrawColor(0, 0, 0)
	p.Ln(3)
}

func (d *pdfDoc) summary() {
	r, p := d.r, d.pdf
	p.AddPage()
	p.SetFont("Helvetica", "B", 18)
	p.SetTextColor(0x1f, 0x4e, 0x79)
	p.MultiCell(0, 8, d.tr("60-day revenue analysis"), "", "L", false)
	p.SetFont("Helvetica", "B", 13)
	p.MultiCell(0, 7, d.tr(r.Title), "", "L", false)
	p.SetTextColor(0, 0, 0)
	d.para(fmt.Sprintf("Dates of service %s to %s. %s and %s; %d remittances (%d claim adjudications). Prepared %s.",
		r.From, r.To, plural(r.Inputs.Claims, "claim"), plural(r.Inputs.Lines, "line"), r.Inputs.Remittances, r.Inputs.RemitClaims, r.Generated.Format("2006-01-02")))
	o, v := r.Overall.Opportunity, r.Overall.Volume
	d.subheading("Revenue opportunity")
	p.SetFont("Helvetica", "B", 22)
	p.SetTextColor(0x2e, 0x7d, 0x32)
	p.CellFormat(0, 11, d.tr(usd0(o.Total)), "", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	d.para("Priced at the " + r.FeeSchedule + ", at " + r.Locality + ". Every figure in this report is traced to its claim lines in the findings CSV and the HTML report.")
	d.table([]column{{"Source", 0.46, "L"}, {"Findings", 0.18, "R"}, {"Estimate", 0.36, "R"}}, [][]string{
		{"Under-coded E/M visits (the note supports a higher level)", fmt.Sprint(r.Overall.Coding.Under), usd(o.UnderCoding)},
		{"Separately billable services documented or implied, not billed", fmt.Sprint(countFindings(r.Overall.Missed)), usd(o.Missed)},
		{"Recoverable denials (contractual denials a corrected claim can recover)", fmt.Sprint(recoverableDenials(r.Overall.Denials)), usd(o.Denials)},
		{"Total revenue opportunity", "", usd(o.Total)},
		{"Revenue at risk: over-coded E/M visits (the note supports a lower level)", fmt.Sprint(r.Overall.Coding.Over), usd(o.OverCodingRisk)},
	})
	d.subheading("Key figures")
	d.table([]column{{"Measure", 0.5, "L"}, {"Value", 0.5, "R"}}, [][]string{
		{"Charges billed", usd(v.Charges)},
		{"Paid by payers", usd(v.Paid)},
		{"Contractual adjustments (CO) / patient responsibility (PR)", usd(v.Contractual) + " / " + usd(v.PatientResp)},
		{"Denied lines / lines adjudicated (denial rate)", fmt.Sprintf("%d / %d (%s)", v.DeniedLines, v.AdjudicatedLines, pct(v.DenialRate))},
		{"Denied dollars", usd(v.Denied)},
		{"Clean-claim rate (no scrubber ERROR)", fmt.Sprintf("%d / %d (%s)", v.CleanClaims, v.Claims, pct(v.CleanClaimRate))},
		{"E/M visits re-coded from notes", fmt.Sprintf("%d of %d claims with an office E/M", r.Overall.Coding.Reviewed, r.Inputs.Notes.EMClaims)},
	})
}

func countFindings(ms []ServiceCount) int {
	n := 0
	for _, m := range ms {
		n += m.Findings
	}
	return n
}

func recoverableDenials(rs []ReasonCount) int {
	n := 0
	for _, r := range rs {
		if r.Recoverable > 0 {
			n += r.Lines
		}
	}
	return n
}

func (d *pdfDoc) emSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("E/M level distribution")
	d.para(fmt.Sprintf("Benchmark: %s (%s), confidence [%s]. %s A difference is a signal to audit, never proof.", r.Benchmark.Name, r.Benchmark.DataYear, r.Benchmark.Confidence, r.Benchmark.Caveat))
	d.image(chartEstablished)
	d.image(chartNew)
	for i, codes := range [][]string{establishedCodes, newCodes} {
		cols := []column{{"Scope", 0.25, "L"}, {"Visits", 0.07, "R"}}
		w := 0.42 / float64(len(codes))
		for _, c := range codes {
			cols = append(cols, column{c, w, "R"})
		}
		cols = append(cols, column{"Signal", 0.26, "L"})
		var rows [][]string
		bench := []string{"Benchmark", ""}
		for _, l := range r.Overall.EM[i].Levels {
			bench = append(bench, fmt.Sprintf("%.1f%%", l.Benchmark))
		}
		rows = append(rows, append(bench, r.Benchmark.ID))
		for _, sr := range r.scopes() {
			dist := sr.EM[i]
			if dist.Total == 0 {
				continue
			}
			row := []string{sr.Scope.Label, fmt.Sprint(dist.Total)}
			for _, l := range dist.Levels {
				cell := fmt.Sprintf("%.1f%%", l.Share)
				if l.Flagged {
					cell += " *"
				}
				row = append(row, cell)
			}
			rows = append(rows, append(row, signalText(dist)))
		}
		d.subheading(fmt.Sprintf("%s patients: share of visits by code (* differs from the benchmark, |z| >= 1.96)", strings.ToUpper(r.Overall.EM[i].PatientType[:1])+r.Overall.EM[i].PatientType[1:]))
		d.table(cols, rows)
	}
}

func (d *pdfDoc) codingSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("Under- and over-coding")
	if r.Inputs.Notes.Files == 0 {
		d.para("No visit notes were given, so the billed levels were not compared with the documentation. Upload the notes (one file per claim, named <claim id>.txt) to measure under- and over-coding.")
	} else {
		n := r.Inputs.Notes
		d.para(fmt.Sprintf("%d note files read, %d matched to claims and re-coded, %d not matched to a claim, %d could not be coded. The engine's documented level is compared with the billed office E/M code.", n.Files, n.Matched, len(n.Unmatched)+len(n.Duplicates), n.Failed))
		var rows [][]string
		for _, sr := range r.scopes() {
			c := sr.Coding
			if c.Reviewed == 0 {
				continue
			}
			rows = append(rows, []string{sr.Scope.Label, fmt.Sprint(c.Reviewed), fmt.Sprintf("%d (%s)", c.Under, pct(ratio(c.Under, c.Reviewed))),
				fmt.Sprintf("%d (%s)", c.Over, pct(ratio(c.Over, c.Reviewed))), fmt.Sprint(c.Supported), fmt.Sprint(c.Review), usd(c.UnderValue), usd(c.OverValue)})
		}
		d.table([]column{{"Scope", 0.24, "L"}, {"Re-coded", 0.09, "R"}, {"Under-coded", 0.12, "R"}, {"Over-coded", 0.12, "R"},
			{"Supported", 0.1, "R"}, {"Review", 0.08, "R"}, {"Under-coding $", 0.125, "R"}, {"Over-coding $ at risk", 0.125, "R"}}, rows)
	}
	d.subheading("Missed services and add-ons")
	if len(r.Overall.Missed) == 0 {
		d.para("No missed separately billable services were found.")
		return
	}
	var rows [][]string
	for _, m := range r.Overall.Missed {
		rows = append(rows, []string{m.Code, m.Label, fmt.Sprint(m.Findings), fmt.Sprint(m.Units), fmt.Sprintf("%d / %d", m.FromNotes, m.ByRule), usd(m.Estimate)})
	}
	d.table([]column{{"Code", 0.09, "L"}, {"Service", 0.43, "L"}, {"Claims", 0.09, "R"}, {"Units", 0.08, "R"}, {"From notes / by claim rule", 0.15, "R"}, {"Estimate", 0.16, "R"}}, rows)
}

func (d *pdfDoc) denialSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("Denials")
	v := r.Overall.Volume
	d.para(fmt.Sprintf("%d of %d adjudicated lines denied (%s), %s denied. Reasons sorted by denied dollars; the fix is what to change before resubmitting.", v.DeniedLines, v.AdjudicatedLines, pct(v.DenialRate), usd(v.Denied)))
	if len(r.Overall.Denials) == 0 {
		d.para("No denials in the remittances.")
		return
	}
	d.image(chartPareto)
	var rows [][]string
	for _, rc := range r.Overall.Denials {
		fix := rc.Fix
		if len(rc.Edits) > 0 {
			fix += " (scrubber: " + strings.Join(rc.Edits, ", ") + ")"
		}
		reason := rc.Description
		if len(rc.Remarks) > 0 {
			reason += " [" + strings.Join(rc.Remarks, ", ") + "]"
		}
		rows = append(rows, []string{rc.Group + "-" + rc.CARC, reason, fmt.Sprint(rc.Lines), usd(rc.Amount), usd(rc.Recoverable), fmt.Sprintf("%.0f%%", rc.Cumulative), fix})
	}
	d.table([]column{{"Reason", 0.08, "L"}, {"What the payer says", 0.23, "L"}, {"Lines", 0.065, "R"}, {"Denied $", 0.115, "R"},
		{"Recoverable", 0.12, "R"}, {"Cum.", 0.065, "R"}, {"Fix", 0.325, "L"}}, rows)
}

func (d *pdfDoc) scrubSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("Scrubber findings")
	d.para(fmt.Sprintf("Each claim was checked by the medcode scrubber as of %s. ERROR blocks submission, WARN needs a coder's acknowledgement, INFO is an optimisation.", r.AsOf))
	if len(r.Overall.Edits) == 0 {
		d.para("The scrubber found nothing to change.")
	} else {
		var rows [][]string
		for _, e := range r.Overall.Edits {
			rows = append(rows, []string{e.Edit, e.Severity, e.Title, fmt.Sprint(e.Findings), fmt.Sprint(e.Claims), e.Fix, strings.Join(e.CARCs, ", ")})
		}
		d.table([]column{{"Edit", 0.08, "L"}, {"Severity", 0.09, "L"}, {"Finding", 0.24, "L"}, {"Findings", 0.09, "R"}, {"Claims", 0.08, "R"},
			{"Fix", 0.32, "L"}, {"Prevents CARC", 0.1, "L"}}, rows)
	}
	if len(r.InactiveEdits) > 0 {
		var names []string
		for _, st := range r.InactiveEdits {
			names = append(names, st.ID)
		}
		d.para("Edits that did not fully run for lack of installed code-set data: " + strings.Join(names, ", ") + ".")
	}
}

func (d *pdfDoc) trendSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("Trend by week of service")
	d.image(chartWeekly)
	d.image(chartOpportunity)
	var rows [][]string
	for _, w := range r.Overall.Weeks {
		rows = append(rows, []string{w.Start.String(), fmt.Sprint(w.Claims), fmt.Sprint(w.Lines), usd0(w.Charges), usd0(w.Paid), fmt.Sprintf("%d (%s)", w.DeniedLines, pct(w.DenialRate)),
			fmt.Sprint(w.EMVisits), fmt.Sprint(w.UnderCoded), fmt.Sprint(w.Missed), usd0(w.Opportunity)})
	}
	d.table([]column{{"Week of", 0.12, "L"}, {"Claims", 0.08, "R"}, {"Lines", 0.07, "R"}, {"Charges", 0.11, "R"}, {"Paid", 0.1, "R"},
		{"Denied lines", 0.12, "R"}, {"E/M visits", 0.09, "R"}, {"Under-coded", 0.11, "R"}, {"Missed", 0.08, "R"}, {"Opportunity", 0.12, "R"}}, rows)
}

func (d *pdfDoc) scopeSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("By provider and payer class")
	var rows [][]string
	for _, sr := range r.scopes() {
		v, o := sr.Volume, sr.Opportunity
		rows = append(rows, []string{sr.Scope.Label, fmt.Sprint(v.Claims), usd0(v.Charges), usd0(v.Paid), pct(v.DenialRate), pct(v.CleanClaimRate),
			fmt.Sprintf("%d / %d", sr.Coding.Under, sr.Coding.Over), usd0(o.Missed), usd0(o.Denials), usd0(o.Total)})
	}
	d.table([]column{{"Scope", 0.2, "L"}, {"Claims", 0.065, "R"}, {"Charges", 0.115, "R"}, {"Paid", 0.105, "R"}, {"Denial rate", 0.075, "R"},
		{"Clean claims", 0.075, "R"}, {"Under / over-coded", 0.09, "R"}, {"Missed $", 0.085, "R"}, {"Recoverable denials", 0.095, "R"}, {"Opportunity", 0.095, "R"}}, rows)
}

func (d *pdfDoc) assumptionSection() {
	r := d.r
	d.pdf.AddPage()
	d.heading("Assumptions")
	for _, a := range r.Assumptions {
		d.subheading(a.Title)
		for _, item := range a.Items {
			d.pdf.SetFont("Helvetica", "", 9)
			d.pdf.MultiCell(0, lineH, d.tr("- "+item), "", "L", false)
		}
		d.pdf.Ln(1)
	}
	d.subheading("Line-level findings")
	d.para(fmt.Sprintf("The %d findings behind these figures (finding ids F000001 to F%06d) are in the findings CSV and the HTML report, one row per claim line, denial, scrubber finding or missed service.", len(r.Findings), len(r.Findings)))
}
