// Command traincharlm trains the character language model of the kjv-lstm
// workload on the King James Version of the Bible and writes its weights.
//
// From the repository root, with Debian's bible-kjv installed:
//
//	bible gen1:1-rev22:21 | go run ./workloads/internal/train/cmd/traincharlm
//
// reads the text bible-kjv prints (standard input, or -text FILE), prepares
// it as train.PrepareKJV says, holds out its last HeldOutPercent percent
// (the end of Revelation) to measure the loss on, trains the model from its
// fixed seed on the rest, and writes into -dir (default workloads/zoo/data)
// kjv-lstm.f32, the weights, and kjv-calibration.txt, the first
// CalibrationChars characters of the held-out text, on which the workload's
// quantization is calibrated. The weights are the same, bit for bit, on every machine.
// Progress goes to stderr; the losses, a greedy sample and the wall time to
// stdout.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// HeldOutPercent is the share of the text, at its end, that training does
// not see.
const HeldOutPercent = 5

// CalibrationChars is the length of the calibration passage.
const CalibrationChars = 2000

// samplePrompt starts the greedy sample printed at the end.
const samplePrompt = "and the lord said unto moses, "

func main() {
	text := flag.String("text", "-", "the text bible-kjv prints (- for standard input)")
	dir := flag.String("dir", filepath.Join("workloads", "zoo", "data"), "directory the weights are written to")
	quiet := flag.Bool("quiet", false, "no progress")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: traincharlm [-text FILE] [-dir DIR] [-quiet]")
		os.Exit(2)
	}
	if err := run(*text, *dir, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "traincharlm:", err)
		os.Exit(1)
	}
}

func run(textFile, dir string, quiet bool) error {
	var raw []byte
	var err error
	if textFile == "-" {
		raw, err = io.ReadAll(os.Stdin)
	} else {
		raw, err = os.ReadFile(textFile)
	}
	if err != nil {
		return err
	}
	prepared, err := train.PrepareKJV(string(raw))
	if err != nil {
		return fmt.Errorf("%s: %w", textFile, err)
	}
	if len(prepared) < 100_000 {
		return fmt.Errorf("%s: %d characters of text, want the whole King James Version (about 4.2 million)",
			textFile, len(prepared))
	}
	ids, err := train.Encode(prepared)
	if err != nil {
		return err
	}
	cut := len(ids) * (100 - HeldOutPercent) / 100
	trainText, heldOut := ids[:cut], ids[cut:]
	calibration := prepared[cut : cut+CalibrationChars]
	if err := os.WriteFile(filepath.Join(dir, "kjv-calibration.txt"), []byte(calibration+"\n"), 0o644); err != nil {
		return err
	}
	m := train.KJVCharLM()
	fmt.Fprintf(os.Stderr, "%d characters: %d to train on, %d held out; %+v\n",
		len(ids), len(trainText), len(heldOut), m.Config)
	start := time.Now()
	m.Fit(trainText, 100, func(step int, loss float64) {
		if !quiet {
			fmt.Fprintf(os.Stderr, "%s step %5d  loss %.3f bits/char  %.0fs\n",
				m.Name, step, loss/math.Ln2, time.Since(start).Seconds())
		}
	})
	elapsed := time.Since(start)
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	out := filepath.Join(dir, m.Name+".f32")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	sample, err := m.Generate(samplePrompt, 200)
	if err != nil {
		return err
	}
	fmt.Printf("%s  held-out loss %.3f bits/char (float64)  trained in %.0fs  wrote %s (%d bytes)\n%q -> %q\n",
		m.Name, m.Loss(heldOut[:20000])/math.Ln2, elapsed.Seconds(), out, len(b), samplePrompt, sample)
	return nil
}
