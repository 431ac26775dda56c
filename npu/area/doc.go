// Package area estimates the silicon area of an NPU configuration, block by
// block, from published figures of the blocks' parts.
//
// The one idea to hold: an NPU's area is a sum of counted parts, each a
// small set of standard arithmetic blocks whose area is published. The
// logic blocks (multipliers, adders, shifters, comparators, logic ops and
// flip-flops) come from Aladdin's function-unit library, characterised at
// 40 nm and 1 GHz (Shao et al., ISCA 2014; harvard-acc/ALADDIN
// common/power_func.h and the aladdin tables of Accelergy's library
// plug-in). Their width follows Accelergy's rules: an adder, shifter,
// comparator or register grows linearly with its width, a multiplier
// linearly with each operand's width (so a 32x16 multiplier is half a 32x32
// one). Logic is then scaled to the configuration's node by one rule, the
// Stillmaker & Baas area scaling table (Integration 58, 2017), which
// Accelergy uses (Scale). SRAM is not logic: a scratchpad's area comes from
// the node's bitcell, the array efficiency of its macros and its ports
// (npu.AreaConfig), with no scaling.
//
// What is counted (Of): the systolic array's processing elements, one per
// MAC, with the adders and overflow logic of every accumulator mode; the
// array's column adders into the accumulator scratchpad; the
// requantization unit, built from the features its arithmetic modes need
// (Requantizer); the vector unit's lanes; the three scratchpads; the DMA
// engine. What is not: the command processor and control, wiring and
// clock tree, placement density, lookup tables. docs/area.md compares the
// total with a published NPU die and states the gap.
//
// Exact is the area a design spends on bit-exact arithmetic only: the
// requantizer's gemmlowp double-rounding family, beyond what its other
// modes need.
package area
