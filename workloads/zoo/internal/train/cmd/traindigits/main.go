// Command traindigits trains the networks of the digits-mlp and digits-cnn
// workloads and writes their weights, the files those workloads embed.
//
// From the repository root:
//
//	go run ./workloads/zoo/internal/train/cmd/traindigits
//
// reads workloads/zoo/data/digits.csv.gz, splits it as the workloads do, trains
// each network from its fixed seed, and writes workloads/zoo/data/digits-mlp.f32
// and workloads/zoo/data/digits-cnn.f32 (-dir names another directory). The
// output is the same, bit for bit, on every machine. Progress goes to
// stderr; a line per network (float64 accuracies, time, file) to stdout.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

func main() {
	zooData := filepath.Join("workloads", "zoo", "data")
	dir := flag.String("dir", zooData, "directory holding digits.csv.gz, where the weights are written")
	quiet := flag.Bool("quiet", false, "no per-epoch progress")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: traindigits [-dir DIR] [-quiet]")
		os.Exit(2)
	}
	if err := run(*dir, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "traindigits:", err)
		os.Exit(1)
	}
}

func run(dir string, quiet bool) error {
	csv, err := os.ReadFile(filepath.Join(dir, "digits.csv.gz"))
	if err != nil {
		return err
	}
	ds, err := train.ReadDigits(bytes.NewReader(csv))
	if err != nil {
		return err
	}
	trainSet, testSet := train.Split(ds, train.SplitSeed)
	fmt.Fprintf(os.Stderr, "%d digits: %d to train on, %d to test\n", len(ds), len(trainSet), len(testSet))
	for _, net := range []*train.Net{train.MLP(), train.CNN()} {
		start := time.Now()
		net.Fit(trainSet, func(epoch int, loss float64) {
			if !quiet {
				fmt.Fprintf(os.Stderr, "%s epoch %3d  loss %.4f\n", net.Name, epoch, loss)
			}
		})
		elapsed := time.Since(start)
		b, err := net.MarshalBinary()
		if err != nil {
			return err
		}
		out := filepath.Join(dir, net.Name+".f32")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("%s  train accuracy %.4f  test accuracy %.4f (float64)  trained in %.1fs  wrote %s (%d bytes)\n",
			net.Name, net.Accuracy(trainSet), net.Accuracy(testSet), elapsed.Seconds(), out, len(b))
	}
	return nil
}
