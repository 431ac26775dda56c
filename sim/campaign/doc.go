// Package campaign runs many experiments and keeps their results: sweeps,
// simulated devices, repeats, fleets, and the manifests that replay a run.
//
//   - Sweep runs a Grid (workloads x policies x hardware) on all cores,
//     appending each cell's result to a results directory as it finishes;
//     it resumes an interrupted sweep, runs a deterministic Shard of the
//     grid on one machine of many, and Merge joins the shards. Serial,
//     parallel, resumed and sharded-then-merged sweeps leave the same bytes.
//     Prices summarises a sweep's results: per workload and hardware, the
//     price of determinism, what the cheapest bit-exact policy costs against
//     the fastest and the lowest-energy policy.
//   - A Device is a simulated phone whose state (temperature and DVFS
//     clock, scratchpad space held by other clients, DRAM load) evolves
//     from run to run, a seeded stochastic model; a dynamic driver policy
//     reacts to it. Repeat runs one input many times on one device and
//     explains why digests differ; RunFleet runs a workload on many devices
//     (hardware x driver versions x device states) and measures how their
//     outputs spread.
//   - Record writes a Manifest of a run (what ran, on what, in which device
//     state, the digest of every tensor) and Replay reruns it and names the
//     first tensor that differs.
//
// Campaigns own what their experiments share: a sweep creates one
// loader.Loader and one experiment.References for all its cells, a fleet
// one set of compiled programs for all its devices. Nothing is kept
// between calls.
package campaign
