package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
)

// NewOwner names a worker as host:pid:random, so claimed_by tells an admin
// which process holds a job and two processes never share a name.
func NewOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}
