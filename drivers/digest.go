package drivers

import (
	"crypto/sha256"
	"encoding/hex"
)

// Digest is the SHA-256 (hex) of the policy as it runs: its YAML source
// and, when a version is selected, the version's name, so that two versions
// of one file never share a digest. The base policy's digest is the
// SHA-256 of its source alone.
func (p *Policy) Digest() string {
	h := sha256.New()
	h.Write(p.Source)
	if p.Version != "" {
		h.Write([]byte("\x00version " + p.Version))
	}
	return hex.EncodeToString(h.Sum(nil))
}
