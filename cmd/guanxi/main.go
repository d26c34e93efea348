// Command guanxi is the whole CRM in one binary: the web UI and API server
// and the operator commands (migrate, demo, user, token, audit verify).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "guanxi:", err)
		os.Exit(1)
	}
}

const usage = `guanxi — customer relationship management (客户关系管理)

Usage:
  guanxi [serve] [--addr 127.0.0.1:8080] [--data ./guanxi-data] [--db DSN] [--demo]
  guanxi migrate [--data DIR | --db DSN]
  guanxi demo [--customers N] [--seed S] [--data DIR | --db DSN]
  guanxi user create --username NAME --name NAME --role ROLE [--unit ID] [--password-stdin]
  guanxi user mfa-reset USERNAME                        remove a user's second factor (audited)
  guanxi token create --user NAME [--name LABEL]
  guanxi audit verify
  guanxi audit breach --user U --from T1 --to T2 [--format text|csv]   customers a user read, listed, searched, exported
  guanxi bench [--customers N | --db FILE] [--sections api,import,pg] [--pg DSN] [--smoke] [--out FILE]
  guanxi bench import [--quick | --rows N] [--rounds R] [--pg DSN] [--out FILE] [--cpuprofile FILE]
  guanxi import customers|contacts|holdings|transactions|interactions FILE [--mapping NAME] [--mode upsert --key phone] [--dry-run] [--as USERNAME]
  guanxi export customers --out FILE.xlsx|.csv [--q TEXT] [--filter JSON] [--as USERNAME] [--unmasked --reason TEXT]
  guanxi privacy export --customer NUMBER --format json|csv --out FILE   personal-data copy (PIPL 45)
  guanxi privacy erase --customer NUMBER --reason REASON                  anonymise a customer (PIPL 47)
  guanxi backup [--out FILE | --dir DIR] [--keep N]     online backup (SQLite VACUUM INTO, PostgreSQL pg_dump)
  guanxi restore --from FILE                            restore into a clean data folder or an empty database
  guanxi keys status                                    the key file and how many stored values each key seals
  guanxi keys rotate [--grace 3s]                       new data key; re-seal every value under it, live (audited)
  guanxi version

--db takes a SQLite file path or a postgres:// URL; by default the SQLite
database is DATA/guanxi.db. Every flag has a GUANXI_* environment fallback
(GUANXI_ADDR, GUANXI_DATA, GUANXI_DB).
`

// run dispatches a subcommand; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, getenv, stdout)
	case "migrate":
		return cmdMigrate(ctx, args, getenv, stdout)
	case "demo":
		return cmdDemo(ctx, args, getenv, stdout)
	case "user":
		return cmdUser(ctx, args, getenv, stdin, stdout)
	case "token":
		return cmdToken(ctx, args, getenv, stdout)
	case "bench":
		return cmdBench(ctx, args, getenv, stdout)
	case "audit":
		return cmdAudit(ctx, args, getenv, stdout)
	case "import":
		return cmdImport(ctx, args, getenv, stdout)
	case "export":
		return cmdExport(ctx, args, getenv, stdout)
	case "privacy":
		return cmdPrivacy(ctx, args, getenv, stdout)
	case "backup":
		return cmdBackup(ctx, args, getenv, stdout)
	case "keys":
		return cmdKeys(ctx, args, getenv, stdout)
	case "restore":
		return cmdRestore(ctx, args, getenv, stdout)
	case "version":
		fmt.Fprintln(stdout, "guanxi", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
