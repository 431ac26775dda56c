package npu

import "github.com/sarchlab/akita/v3/sim"

// init fixes akita's process-wide ID generator before any simulation runs.
// akita v3.0.0 creates it lazily on first use, reading its "created" flag
// outside the lock, so the first simulations of a parallel sweep would race
// to create it; created here, while the program is still single-threaded,
// it is only ever read. The IDs name events and messages; no figure npusim
// reports depends on them.
func init() { sim.GetIDGenerator() }
