package main

import (
	"errors"
	"fmt"

	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
)

// keyRing loads the key file of c (TESTPLAN D10). When it does not exist
// and create is true, a new one is written and created is true, so the
// caller can remove it again if the database turns out to belong to
// another key file.
func keyRing(c config, create bool) (r *fieldcrypt.Ring, created bool, err error) {
	r, err = fieldcrypt.Load(c.keyPath())
	if err == nil || !errors.Is(err, fieldcrypt.ErrNoKeyFile) || !create {
		if err != nil {
			err = fmt.Errorf("key file: %w (pass --key-file or GUANXI_KEY_FILE)", err)
		}
		return r, false, err
	}
	r, err = fieldcrypt.Create(c.keyPath())
	if err != nil {
		return nil, false, fmt.Errorf("create the key file: %w", err)
	}
	return r, true, nil
}
