package casefile_test

import (
	"crypto/sha1"
	"encoding/hex"
)

// hash8 is the suffix the mapping gives ids it cannot take from a code.
func hash8(identifier string) string {
	sum := sha1.Sum([]byte(identifier))
	return hex.EncodeToString(sum[:4])
}
