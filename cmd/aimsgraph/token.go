package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/aimsgraph/aimsgraph/auth"
)

const tokenUsage = `Usage:
  aimsgraph token create --name NAME --role reader|ingester|admin   prints the secret, once
  aimsgraph token list                                               names, roles, created, last used
  aimsgraph token revoke NAME                                        the token stops working within seconds
`

// cmdToken manages the API tokens of the store (docs/operations.md, "Tokens").
func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{"token needs a subcommand: create, list or revoke\n" + tokenUsage}
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("token "+sub, "token "+sub, stderr)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("name", "", "the token's name: who or what uses it (letters, digits, . _ - @); it is the user of the import runs it causes")
	role := fs.String("role", "", "reader (queries), ingester (reader + ingestion) or admin (everything)")
	switch sub {
	case "create", "list", "revoke":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return nil
	default:
		return &usageError{fmt.Sprintf("unknown token subcommand %q\n%s", sub, tokenUsage)}
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var tok auth.Token
	var secret string
	switch sub {
	case "create":
		if len(rest) > 0 {
			return &usageError{fmt.Sprintf("token create takes --name and --role, not %q", rest)}
		}
		r, err := auth.ParseRole(*role)
		if err != nil {
			return &usageError{"--role: " + err.Error()}
		}
		if tok, secret, err = auth.NewToken(*name, r, time.Now()); err != nil {
			return &usageError{"--name: " + err.Error()}
		}
	case "list":
		if len(rest) > 0 {
			return &usageError{"token list takes no arguments"}
		}
	case "revoke":
		if len(rest) != 1 {
			return &usageError{"token revoke takes one token name"}
		}
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	tokens, ok := store.(auth.TokenStore)
	if !ok {
		return fmt.Errorf("the store keeps no tokens")
	}
	switch sub {
	case "create":
		if err := tokens.CreateToken(ctx, tok); err != nil {
			if errors.Is(err, auth.ErrTokenExists) {
				return &usageError{fmt.Sprintf("a token called %q exists; revoke it first or pick another name", tok.Name)}
			}
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "token %q (%s) created in the %s. The secret above is shown once and not kept:\n"+
			"store it now. Send it as: Authorization: Bearer %s...\n", tok.Name, tok.Role, sf.describe(), auth.SecretPrefix)
	case "list":
		list, err := tokens.Tokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST USED")
		for _, t := range list {
			used := "never"
			if !t.LastUsed.IsZero() {
				used = t.LastUsed.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), used)
		}
		_ = tw.Flush()
		if len(list) == 0 {
			fmt.Fprintln(stderr, "no tokens: `aimsgraph serve` runs open on loopback addresses only")
		}
	case "revoke":
		if err := tokens.RevokeToken(ctx, rest[0]); err != nil {
			if errors.Is(err, auth.ErrNoToken) {
				return fmt.Errorf("no token called %q (aimsgraph token list shows them)", rest[0])
			}
			return err
		}
		fmt.Fprintf(stdout, "token %q revoked; a running server refuses it within %s\n", rest[0], auth.DefaultCacheTTL)
	}
	return nil
}
