// Command aimsgraph loads an AI management system inventory into a graph and answers lineage
// and impact questions about it. See README.md and `aimsgraph help`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// Exit codes (README.md).
const (
	exitOK          = 0
	exitInvalid     = 1
	exitUsage       = 2
	exitUnavailable = 3
)

const usage = `aimsgraph: the graph behind an ISO/IEC 42001 AI management system.

Usage:
  aimsgraph import [--dry-run] [--prune] [--source NAME] PATH...   load inventory files or folders
  aimsgraph validate PATH...                                       check files, report every problem
  aimsgraph serve [--addr 127.0.0.1:8080] [--demo]                 GraphQL at /graphql, the web UI at /
  aimsgraph token create --name NAME --role reader|ingester|admin  an API token; the secret is printed once
  aimsgraph token list | token revoke NAME                         the API tokens; revoke one
  aimsgraph diff --since T [--until T] [--format text|json|csv]     what changed between two instants
  aimsgraph compact --before T                                     drop history older than T
  aimsgraph check [--rules ID,...] [--fail-on SEVERITY] [--list]   gaps in the management system
  aimsgraph evidence [--as-of T] --out PACK.zip ID...              an auditor's evidence pack (zip) of each id's lineage
  aimsgraph export assets|ropa|soa [--format csv|xlsx|ciso-assistant] [--out FILE] [--as-of T]
                                                                   registers: assets, processing, SoA
  aimsgraph help [COMMAND]                                         this text, or a command's flags

Store:
  Neo4j when NEO4J_URI is set (with NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE,
  or the flags --neo4j-uri, --neo4j-username, --neo4j-password, --neo4j-database).
  Otherwise the embedded store in AIMSGRAPH_DATA or --data (default ./aimsgraph-data).
  The embedded store is used by one process at a time: stop serve before an import.

Exit codes: 0 success, 1 invalid input, 2 usage, 3 store unavailable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	writeMemProfile()
	os.Exit(code)
}

// usageError is a command line the program cannot understand.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// No panic reaches a user as a stack trace: it becomes a message and a non-zero exit.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "aimsgraph: internal error: %v\nplease report this with the command you ran\n", r)
			code = exitInvalid
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "import":
		err = cmdImport(ctx, args[1:], stdout, stderr)
	case "validate":
		err = cmdValidate(ctx, args[1:], stdout, stderr)
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "token":
		err = cmdToken(ctx, args[1:], stdout, stderr)
	case "diff":
		err = cmdDiff(ctx, args[1:], stdout, stderr)
	case "compact":
		err = cmdCompact(ctx, args[1:], stdout, stderr)
	case "check":
		err = cmdCheck(ctx, args[1:], stdout, stderr)
	case "export":
		err = cmdExport(ctx, args[1:], stdout, stderr)
	case "evidence":
		err = cmdEvidence(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "aimsgraph: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return report(err, stderr)
}

// writeMemProfile writes a heap profile to $AIMSGRAPH_MEMPROFILE, for measuring an import's
// memory (see docs/performance.md).
func writeMemProfile() {
	path := os.Getenv("AIMSGRAPH_MEMPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "aimsgraph: memory profile:", err)
		return
	}
	defer f.Close()
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
}
