// Package reports turns experiment results into what people read: terminal
// tables, CSV and JSON files, plots and an HTML report.
//
// Every number shown comes from a sim.Result; this package formats and
// draws, it does not compute deviations or costs.
package reports
