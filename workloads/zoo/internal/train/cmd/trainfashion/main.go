// Command trainfashion trains the network of the fashion-mobilenet workload
// on Fashion-MNIST and writes its weights and the images that workload
// embeds.
//
// From the repository root, with Debian's dataset-fashion-mnist installed:
//
//	go run ./workloads/internal/train/cmd/trainfashion
//
// reads the four IDX files from -data (default: where the Debian package
// puts them), trains the network from its fixed seed on the 60,000
// training images, and writes into -dir (default workloads/zoo/data):
//
//   - fashion-mobilenet.f32, the trained weights and batch-norm statistics;
//   - fashion-test-images.idx3.gz and fashion-test-labels.idx1.gz, the
//     first TestImages images of the test set, on which the workload is
//     evaluated;
//   - fashion-calibration-images.idx3.gz and fashion-calibration-labels.idx1.gz,
//     the first CalibrationImages images of the training set, on which the
//     workload's quantization is calibrated.
//
// The weights are the same, bit for bit, on every machine. Progress goes to
// stderr; the accuracies and the wall time to stdout.
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

// The subsets the repository keeps.
const (
	TestImages        = 1000
	CalibrationImages = 200
)

func main() {
	data := flag.String("data", "/usr/share/datasets/fashion-mnist", "directory holding Fashion-MNIST's four IDX files")
	zooData := filepath.Join("workloads", "zoo", "data")
	dir := flag.String("dir", zooData, "directory the weights and image subsets are written to")
	epochs := flag.Int("epochs", 0, "epochs to train (0: the network's configured number)")
	quiet := flag.Bool("quiet", false, "no per-epoch progress")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: trainfashion [-data DIR] [-dir DIR] [-epochs N] [-quiet]")
		os.Exit(2)
	}
	if err := run(*data, *dir, *epochs, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "trainfashion:", err)
		os.Exit(1)
	}
}

func read(dir, set string) ([]train.Image, error) {
	images, err := os.ReadFile(filepath.Join(dir, set+"-images-idx3-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	labels, err := os.ReadFile(filepath.Join(dir, set+"-labels-idx1-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	ims, err := train.ReadImages(bytes.NewReader(images), bytes.NewReader(labels))
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", dir, set, err)
	}
	return ims, nil
}

func run(data, dir string, epochs int, quiet bool) error {
	trainSet, err := read(data, "train")
	if err != nil {
		return err
	}
	testSet, err := read(data, "t10k")
	if err != nil {
		return err
	}
	if err := writeSubset(dir, "fashion-test", testSet[:TestImages]); err != nil {
		return err
	}
	if err := writeSubset(dir, "fashion-calibration", trainSet[:CalibrationImages]); err != nil {
		return err
	}
	net := train.FashionMobileNet()
	if epochs > 0 {
		net.Config.Epochs = epochs
	}
	fmt.Fprintf(os.Stderr, "%d training images, %d test images; %+v\n", len(trainSet), len(testSet), net.Config)
	start := time.Now()
	net.Fit(trainSet, func(epoch int, loss float64) {
		if !quiet {
			fmt.Fprintf(os.Stderr, "%s epoch %3d  loss %.4f  test accuracy %.4f (first %d)  %.0fs\n",
				net.Name, epoch, loss, net.Accuracy(testSet[:TestImages]), TestImages, time.Since(start).Seconds())
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
	all, first := net.Accuracy(testSet), net.Accuracy(testSet[:TestImages])
	fmt.Printf("%s  test accuracy %.4f (10,000 images), %.4f (first %d), float64  "+
		"trained %d epochs in %.0fs  wrote %s (%d bytes)\n",
		net.Name, all, first, TestImages, net.Config.Epochs, elapsed.Seconds(), out, len(b))
	return nil
}

// writeSubset writes images as a pair of gzipped IDX files.
func writeSubset(dir, name string, ims []train.Image) error {
	var images, labels bytes.Buffer
	if err := train.WriteImages(&images, &labels, ims); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+"-images.idx3.gz"), images.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+"-labels.idx1.gz"), labels.Bytes(), 0o644)
}
