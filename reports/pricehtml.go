package reports

import (
	"fmt"

	"github.com/npusim/npusim/sim/campaign"
)

// htmlPrice is the price of determinism section of report.html.
type htmlPrice struct {
	Header []string
	Rows   []htmlRow
	Notes  []string
	// Figure is the price plot; nil when no policy is bit-exact anywhere.
	Figure *htmlFigure
}

// newHTMLPrice lays out the price table of a sweep's prices for the page,
// with the price plot (whose SVG is at src) when there is one.
func newHTMLPrice(prices []campaign.Price, plot *Plot, src string) htmlPrice {
	h := htmlPrice{Header: headers(priceColumns), Notes: PriceNotes(prices)}
	for _, r := range priceRows(prices) {
		h.Rows = append(h.Rows, htmlPriceRow(r))
	}
	if plot != nil {
		h.Figure = &htmlFigure{Src: src, Title: plot.Title, Kind: string(plot.Kind)}
	}
	return h
}

// htmlPriceRow is a row of the price table: the terminal table's cells,
// with the names left-aligned, the verdict coloured and the ratios' figures
// in their tooltips. The first row of a workload and hardware has the
// class "group", a second one "same".
func htmlPriceRow(r priceRow) htmlRow {
	row := htmlRow{Class: "group"}
	if r.against == againstLowest {
		row.Class = "same"
	}
	for i, text := range priceCells(r) {
		cell := htmlCell{Text: text}
		switch header := priceColumns[i].header; {
		case i <= shortcutColumns:
			cell.Class = "name"
			if header == "bit-exact" && r.Exact == nil {
				cell.Class = "name none"
			}
		case r.other == nil:
		case header == verdictHeader && r.other.NNAPIPass:
			cell.Class = "pass"
		case header == verdictHeader:
			cell.Class = "fail"
		case header == "exact latency" && r.Exact != nil:
			cell.Title = fmt.Sprintf("%s %s ms, %s %s ms", r.Exact.Policy, significant(r.Exact.LatencyMs),
				r.other.Policy, significant(r.other.LatencyMs))
		case header == "exact energy" && r.Exact != nil:
			cell.Title = fmt.Sprintf("%s %s uJ, %s %s uJ", r.Exact.Policy, significant(r.Exact.EnergyUJ),
				r.other.Policy, significant(r.other.EnergyUJ))
		}
		row.Cells = append(row.Cells, cell)
	}
	return row
}
