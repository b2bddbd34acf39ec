package cli

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotSoak draws the samples as four panels over time: resident memory,
// goroutines, open file descriptors, and latency (p50 and p99), with the
// 5-minute mark the bars compare against.
func plotSoak(path string, samples []soakSample, rate float64) error {
	minutes := func(s soakSample) float64 { return s.Elapsed.Minutes() }
	panels := []struct {
		title, unit string
		series      map[string]func(soakSample) float64
	}{
		{"Resident memory", "MB", map[string]func(soakSample) float64{"RSS": func(s soakSample) float64 { return s.RSSBytes / 1e6 }}},
		{"Goroutines", "count", map[string]func(soakSample) float64{"goroutines": func(s soakSample) float64 { return s.Goroutines }}},
		{"Open file descriptors", "count", map[string]func(soakSample) float64{"fds": func(s soakSample) float64 { return s.OpenFDs }}},
		{fmt.Sprintf("Latency of POST /api/v1/analyses at %.0f req/s", rate), "ms", map[string]func(soakSample) float64{
			"p50": func(s soakSample) float64 { return ms(s.P50) },
			"p99": func(s soakSample) float64 { return ms(s.P99) },
		}},
	}
	colors := map[string]color.Color{"p50": color.RGBA{0x7f, 0x9f, 0xbf, 0xff}, "p99": color.RGBA{0xc0, 0x39, 0x2b, 0xff}}
	tiles := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.Y.Label.Text = pn.unit
		p.X.Label.Text = "minutes"
		p.Y.Min = 0
		p.Add(plotter.NewGrid())
		for _, name := range []string{"RSS", "goroutines", "fds", "p50", "p99"} {
			f, ok := pn.series[name]
			if !ok {
				continue
			}
			xy := make(plotter.XYs, len(samples))
			for j, s := range samples {
				xy[j] = plotter.XY{X: minutes(s), Y: f(s)}
			}
			line, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("soak plot: %w", err)
			}
			line.Width = vg.Points(1.5)
			if c, ok := colors[name]; ok {
				line.Color = c
			}
			p.Add(line)
			if len(pn.series) > 1 {
				p.Legend.Add(name, line)
			}
		}
		mark, _ := plotter.NewLine(plotter.XYs{{X: soakMark.Minutes(), Y: 0}, {X: soakMark.Minutes(), Y: p.Y.Max}})
		mark.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		mark.Color = color.Gray{Y: 0x80}
		p.Add(mark)
		p.Legend.Top = true
		tiles[i] = []*plot.Plot{p}
	}
	const w, h = 18 * vg.Centimeter, 24 * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	t := draw.Tiles{Rows: len(panels), Cols: 1, PadX: vg.Millimeter, PadY: 3 * vg.Millimeter, PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter,
		PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(tiles, t, dc)
	for i := range tiles {
		tiles[i][0].Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("soak plot: %w", err)
	}
	return f.Close()
}
