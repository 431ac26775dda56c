// Package reports turns experiment results into what people read: terminal
// tables, CSV files, plots and an HTML report.
//
// Every number shown comes from a sim.Result; this package formats and
// draws, it does not compute deviations or costs (RMSError only summarises
// a deviation's histogram).
//
// A sweep's report compares each cell with the cell of the reference policy
// on the same workload and hardware: speed is the reference's cycles over
// the cell's, energy the cell's energy over the reference's. Generate writes
// the whole report of a results directory: results.csv (every figure,
// unrounded), plots/ (per workload and hardware: energy against output
// error with the Pareto front, error through the layers, histograms of
// output differences, energy by component with latency; SVG and PNG) and
// report.html, a self-contained page that shows them. The same results give
// the same bytes.
package reports
