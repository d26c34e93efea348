package main

import (
	"errors"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
)

// describe renders a domain error in English with its field messages for
// the terminal.
func describe(a *app.App, err error) error {
	var ge *guanxi.Error
	if !errors.As(err, &ge) {
		return err
	}
	parts := []string{a.I18n.T("en", ge.Key, ge.Args)}
	for _, f := range ge.Fields {
		parts = append(parts, f.Field+": "+a.I18n.T("en", f.Key, f.Args))
	}
	return errors.New(strings.Join(parts, "; "))
}
