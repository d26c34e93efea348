package bulk

import (
	"context"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// accessLogged records each page of exported customers in the access log
// before the page is written (D3: N rows for an export of N). A full buffer
// makes the export wait, failing flushes fail it.
func (e *Exporter) accessLogged(ctx context.Context, a guanxi.Actor, src pageSource) pageSource {
	if e.Access == nil {
		return src
	}
	return func(fn func(page []customer.Customer) error) error {
		return src(func(page []customer.Customer) error {
			ids := make([]guanxi.ID, len(page))
			for i := range page {
				ids[i] = page[i].ID
			}
			if err := e.Access.RecordWait(ctx, a, accesslog.Export, ids...); err != nil {
				return err
			}
			return fn(page)
		})
	}
}
