package npu

import (
	"crypto/sha256"
	"encoding/hex"
)

// Digest is the SHA-256 (hex) of the YAML the configuration was read from:
// two configurations with one name and different contents have different
// digests.
func (c *Config) Digest() string {
	s := sha256.Sum256(c.Source)
	return hex.EncodeToString(s[:])
}
