package api_test

import (
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
)

// seedWork is servertest's SeedWork by scope-case target.
func seedWork(t *testing.T, env *servertest.Env, customerID guanxi.ID) map[string]guanxi.ID {
	o := env.SeedWork(t, customerID)
	return map[string]guanxi.ID{"task": o.Task, "plan": o.Plan, "worklog": o.WorkLog}
}
