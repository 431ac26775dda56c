// Package reports turns experiment results into what people read: terminal
// tables, CSV files, plots and an HTML report.
//
// Every number shown comes from an experiment.Result (or, for a fleet, a
// campaign.DeviceResult); this package formats and draws, it does not
// compute deviations or costs (RMSError only summarises a deviation's
// histogram).
//
// A sweep's report compares each cell with the cell of the reference policy
// on the same workload and hardware: speed is the reference's cycles over
// the cell's, energy the cell's energy over the reference's. Its price of
// determinism (PriceTable, from campaign.Prices) compares, per workload and
// hardware, the cheapest bit-exact policy with the fastest and the
// lowest-energy policy, and says in a line per hardware why a price is
// about 1. Generate writes the whole report of a results directory:
// results.csv (every figure, unrounded), plots/ (the price of determinism;
// per workload and hardware: energy against output error with the Pareto
// front, error through the layers, histograms of output differences, energy
// by component with latency; SVG and PNG) and report.html, a self-contained
// page headed by the price of determinism. The same results give the same
// bytes.
//
// A fleet's report (GenerateFleet) is about many simulated phones running
// one workload, each under its own hardware, driver version and device
// state: per hardware and policy, how many devices stay bit-identical to
// the reference, how far the others move, and how many pass NNAPI's limit
// while still changing outputs; fleet.csv holds every device, the plots
// show the spread of errors over the devices and how it follows the die
// temperature.
package reports
