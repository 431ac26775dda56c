package train

import (
	"fmt"
	"io"
)

// Side is the height and width of a Fashion-MNIST image.
const Side = 28

// FashionClasses names Fashion-MNIST's ten classes in label order (Xiao,
// Rasul and Vollgraf, 2017, arXiv:1708.07747, Table 1).
var FashionClasses = [Classes]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// Image is one grey 28x28 image, row-major, 0 (background) to 255, and its
// class.
type Image struct {
	Pixels [Side * Side]uint8
	Label  int
}

// Input returns the network input of the image: its pixels divided by 255,
// in [0, 1].
func (im *Image) Input() []float64 {
	x := make([]float64, len(im.Pixels))
	for i, p := range im.Pixels {
		x[i] = float64(p) / 255
	}
	return x
}

// ReadImages reads a pair of gzipped IDX files, images [n, 28, 28] and
// labels [n] (0 to 9), as Fashion-MNIST ships them.
func ReadImages(images, labels io.Reader) ([]Image, error) {
	dims, pixels, err := ReadIDX(images)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	if len(dims) != 3 || dims[1] != Side || dims[2] != Side {
		return nil, fmt.Errorf("images: dimensions %v, want [n %d %d]", dims, Side, Side)
	}
	ldims, ls, err := ReadIDX(labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	if len(ldims) != 1 || ldims[0] != dims[0] {
		return nil, fmt.Errorf("labels: dimensions %v, want [%d] (one per image)", ldims, dims[0])
	}
	ims := make([]Image, dims[0])
	for i := range ims {
		if ls[i] >= Classes {
			return nil, fmt.Errorf("labels: label %d of image %d is not a class 0..%d", ls[i], i, Classes-1)
		}
		copy(ims[i].Pixels[:], pixels[i*Side*Side:])
		ims[i].Label = int(ls[i])
	}
	return ims, nil
}

// WriteImages writes images as ReadImages reads them.
func WriteImages(images, labels io.Writer, ims []Image) error {
	pixels := make([]byte, 0, len(ims)*Side*Side)
	ls := make([]byte, len(ims))
	for i, im := range ims {
		pixels = append(pixels, im.Pixels[:]...)
		ls[i] = byte(im.Label)
	}
	if err := WriteIDX(images, []int{len(ims), Side, Side}, pixels); err != nil {
		return err
	}
	return WriteIDX(labels, []int{len(ims)}, ls)
}
