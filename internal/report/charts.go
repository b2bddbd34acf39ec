package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/medcode/medcode/internal/claims"
)

// Chart colours: the clinic's data dark, references light, problems red.
var (
	clinicColor    = color.RGBA{R: 0x1f, G: 0x4e, B: 0x79, A: 0xff}
	benchmarkColor = color.RGBA{R: 0xb4, G: 0xc7, B: 0xdc, A: 0xff}
	deniedColor    = color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}
	cumColor       = color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
	opportColor    = color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}
)

// chart is a plot with the size it is drawn at.
type chart struct {
	p    *plot.Plot
	w, h vg.Length
}

// Charts of a report, as the HTML (SVG) and PDF (PNG) draw them.
const (
	chartEstablished = "em-established"
	chartNew         = "em-new"
	chartPareto      = "denial-pareto"
	chartWeekly      = "weekly-trend"
	chartOpportunity = "weekly-opportunity"
)

// charts draws the report's charts for a scope; a chart without data is
// left out.
func charts(sr *ScopeReport) (map[string]chart, error) {
	out := map[string]chart{}
	for i, name := range []string{chartEstablished, chartNew} {
		d := sr.EM[i]
		if d.Total == 0 {
			continue
		}
		p, err := emChart(d)
		if err != nil {
			return nil, err
		}
		out[name] = chart{p, 16 * vg.Centimeter, 9 * vg.Centimeter}
	}
	if len(sr.Denials) > 0 {
		p, err := paretoChart(sr.Denials)
		if err != nil {
			return nil, err
		}
		out[chartPareto] = chart{p, 17 * vg.Centimeter, 9.5 * vg.Centimeter}
	}
	if len(sr.Weeks) > 0 {
		p, err := weeklyChart(sr.Weeks)
		if err != nil {
			return nil, err
		}
		out[chartWeekly] = chart{p, 17 * vg.Centimeter, 8.5 * vg.Centimeter}
		if p, err = opportunityChart(sr.Weeks); err != nil {
			return nil, err
		}
		out[chartOpportunity] = chart{p, 17 * vg.Centimeter, 8.5 * vg.Centimeter}
	}
	return out, nil
}

func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	for _, st := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		st.Font.Variant = "Sans"
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = font.Length(13)
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = ylabel
	p.Y.Label.TextStyle.Font.Size = font.Length(11)
	p.X.Tick.Label.Font.Size = font.Length(10)
	p.Y.Tick.Label.Font.Size = font.Length(10)
	p.Legend.TextStyle.Font.Size = font.Length(10)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// emChart compares a patient type's level shares with the benchmark.
func emChart(d Distribution) (*plot.Plot, error) {
	title := fmt.Sprintf("E/M levels, %s patients (%d visits) vs benchmark", d.PatientType, d.Total)
	p := newPlot(title, "% of visits")
	share, bench := make(plotter.Values, len(d.Levels)), make(plotter.Values, len(d.Levels))
	names := make([]string, len(d.Levels))
	top := 0.0
	for i, l := range d.Levels {
		share[i], bench[i], names[i] = l.Share, l.Benchmark, l.Code
		top = max(top, l.Share, l.Benchmark)
	}
	w := vg.Points(18)
	clinic, err := plotter.NewBarChart(share, w)
	if err != nil {
		return nil, err
	}
	clinic.Color, clinic.LineStyle.Width, clinic.Offset = clinicColor, 0, -w/2
	ref, err := plotter.NewBarChart(bench, w)
	if err != nil {
		return nil, err
	}
	ref.Color, ref.LineStyle.Width, ref.Offset = benchmarkColor, 0, w/2
	p.Add(clinic, ref)
	p.Legend.Add("This practice", clinic)
	p.Legend.Add("Benchmark", ref)
	for _, set := range []struct {
		v   plotter.Values
		off vg.Length
	}{{share, -w / 2}, {bench, w / 2}} {
		lbl, err := barLabels(set.v, formatted(set.v, func(v float64) string { return fmt.Sprintf("%.0f%%", v) }), set.off)
		if err != nil {
			return nil, err
		}
		p.Add(lbl)
	}
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, top*1.35+1
	return p, nil
}

// barLabels writes a text above each bar.
func barLabels(vs plotter.Values, texts []string, xOffset vg.Length) (*plotter.Labels, error) {
	xys := make(plotter.XYs, len(vs))
	for i, v := range vs {
		xys[i] = plotter.XY{X: float64(i), Y: v}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, err
	}
	smallCentered(l)
	l.Offset = vg.Point{X: xOffset, Y: vg.Points(2)}
	return l, nil
}

// formatted formats each value.
func formatted(vs plotter.Values, format func(float64) string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = format(v)
	}
	return out
}

// smallCentered sets labels in small sans type, centred on their point.
func smallCentered(l *plotter.Labels) {
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = font.Length(8)
		l.TextStyle[i].Font.Variant = "Sans"
		l.TextStyle[i].XAlign = draw.XCenter
	}
}

// paretoTop is how many denial reasons the Pareto chart shows.
const paretoTop = 10

// paretoChart draws denied dollars by reason, largest first, with the
// cumulative share of all denied dollars as a line in a band above the
// bars (the plot has one axis, so the line's height is not read on it;
// its labels give the shares).
func paretoChart(rs []ReasonCount) (*plot.Plot, error) {
	n := min(len(rs), paretoTop)
	title := "Denied dollars by reason (Pareto)"
	if len(rs) > n {
		title = fmt.Sprintf("Denied dollars by reason, top %d of %d (Pareto)", n, len(rs))
	}
	p := newPlot(title, "denied $")
	vals := make(plotter.Values, n)
	names := make([]string, n)
	cum := make(plotter.XYs, n)
	cumText := make([]string, n)
	top := 0.0
	for i, r := range rs[:n] {
		vals[i] = moneyOf(r.Amount)
		names[i] = r.Group + "-" + r.CARC
		top = max(top, vals[i])
		cumText[i] = fmt.Sprintf("%.0f%%", r.Cumulative)
	}
	for i := range cum {
		cum[i] = plotter.XY{X: float64(i), Y: top * (1.18 + 0.3*rs[i].Cumulative/100)}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(22))
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = deniedColor, 0
	line, points, err := plotter.NewLinePoints(cum)
	if err != nil {
		return nil, err
	}
	line.Color, points.Color = cumColor, cumColor
	line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: cum, Labels: cumText})
	if err != nil {
		return nil, err
	}
	smallCentered(labels)
	labels.Offset = vg.Point{Y: vg.Points(5)}
	amounts, err := barLabels(vals, formatted(vals, dollarsShort), 0)
	if err != nil {
		return nil, err
	}
	p.Add(bars, line, points, labels, amounts)
	p.Legend.Add("denied $", bars)
	p.Legend.Add("cumulative % of all denied $", line)
	p.Legend.Left = true
	p.NominalX(names...)
	p.Y.Min, p.Y.Max = 0, top*1.62
	p.Y.Tick.Marker = dollarTicks{top}
	return p, nil
}

// dollarTicks marks a dollar axis from 0 up to top (not above: the band
// over the Pareto bars holds the cumulative line) in round steps.
type dollarTicks struct{ top float64 }

func (t dollarTicks) Ticks(lo, hi float64) []plot.Tick {
	limit := min(hi, t.top*1.05)
	step := niceStep(limit / 4)
	var out []plot.Tick
	for v := 0.0; v <= limit+step/1e6; v += step {
		out = append(out, plot.Tick{Value: v, Label: dollarsShort(v)})
		if half := v + step/2; half < limit {
			out = append(out, plot.Tick{Value: half})
		}
	}
	return out
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// weeklyChart draws each week's adjudicated lines, paid and denied.
func weeklyChart(ws []Week) (*plot.Plot, error) {
	p := newPlot("Claim lines by week of service: denied vs not denied", "lines")
	ok, denied := make(plotter.Values, len(ws)), make(plotter.Values, len(ws))
	rates := make([]string, len(ws))
	for i, w := range ws {
		denied[i] = float64(w.DeniedLines)
		ok[i] = float64(w.Lines - w.DeniedLines)
		rates[i] = fmt.Sprintf("%.0f%%", 100*w.DenialRate)
	}
	width := vg.Points(min(28, 300/float64(len(ws))))
	rest, err := plotter.NewBarChart(ok, width)
	if err != nil {
		return nil, err
	}
	rest.Color, rest.LineStyle.Width = benchmarkColor, 0
	den, err := plotter.NewBarChart(denied, width)
	if err != nil {
		return nil, err
	}
	den.Color, den.LineStyle.Width = deniedColor, 0
	den.StackOn(rest)
	totals := make(plotter.Values, len(ws))
	top := 0.0
	for i := range ws {
		totals[i] = ok[i] + denied[i]
		top = max(top, totals[i])
	}
	lbl, err := barLabels(totals, rates, 0)
	if err != nil {
		return nil, err
	}
	for i := range lbl.TextStyle {
		lbl.TextStyle[i].Color = deniedColor
	}
	p.Add(rest, den, lbl)
	p.Legend.Add("not denied", rest)
	p.Legend.Add("denied (denial rate written above)", den)
	p.NominalX(weekNames(ws)...)
	p.Y.Min, p.Y.Max = 0, top*1.3
	return p, nil
}

// opportunityChart draws each week's revenue opportunity.
func opportunityChart(ws []Week) (*plot.Plot, error) {
	p := newPlot("Revenue opportunity by week of service", "$ (fee schedule)")
	vals := make(plotter.Values, len(ws))
	top := 0.0
	for i, w := range ws {
		vals[i] = moneyOf(w.Opportunity)
		top = max(top, vals[i])
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(min(28, 300/float64(len(ws)))))
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = opportColor, 0
	lbl, err := barLabels(vals, formatted(vals, dollarsShort), 0)
	if err != nil {
		return nil, err
	}
	p.Add(bars, lbl)
	p.NominalX(weekNames(ws)...)
	p.Y.Min, p.Y.Max = 0, top*1.25+1
	p.Y.Tick.Marker = dollarTicks{p.Y.Max}
	return p, nil
}

func weekNames(ws []Week) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Start.Time().Format("Jan 2")
	}
	return out
}

// dollarsShort writes $1,234 or $12.3k.
func dollarsShort(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("$%.1fk", v/1000)
	}
	return "$" + groupThousands(fmt.Sprintf("%.0f", v))
}

func groupThousands(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// svg draws a chart as SVG.
func (c chart) svg() ([]byte, error) {
	canvas := vgsvg.New(c.w, c.h)
	c.p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: chart: %w", err)
	}
	return buf.Bytes(), nil
}

// png draws a chart as PNG at dpi dots per inch.
func (c chart) png(dpi int) ([]byte, error) {
	canvas := vgimg.NewWith(vgimg.UseWH(c.w, c.h), vgimg.UseDPI(dpi))
	c.p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("report: chart: %w", err)
	}
	return buf.Bytes(), nil
}

// moneyOf is the dollars of an amount as a float, for charts only.
func moneyOf(m claims.Money) float64 { return float64(m) / 100 }
