package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, as scripts see them: 1 when the work failed (the API refused, the
// playbook is invalid, the API is down), 2 when the command itself was mistyped, so a
// script can tell "fix the call" from "try again or look at the campaign".
const (
	exitFailure = 1
	exitUsage   = 2
)

// exitCode maps the error a command returned to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		return exitUsage
	}
	return exitFailure
}

// usageError marks a mistake in how greenlight was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// UsageError marks err as a mistake in how greenlight was called (exit 2), for
// the subcommands package main adds.
func UsageError(err error) error { return usageError{err} }

func usageErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// cobraUsagePrefixes are the fixed wordings of the mistakes cobra and pflag catch
// themselves and return as plain errors (an unknown command at the root, flags of
// commands that set no flag error function). They are recognised here so every
// subcommand exits 2 on a usage mistake, not only the ones marked with usageError.
var cobraUsagePrefixes = []string{
	"unknown command ",
	"unknown flag: ",
	"unknown shorthand flag: ",
	"flag needs an argument: ",
	"bad flag syntax: ",
	"invalid argument ",
	"required flag(s) ",
	"accepts ",
	"requires at least ",
	"if any flags in the group ",
	"at least one of the flags in the group ",
}

func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range cobraUsagePrefixes {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// withUsageErrors makes flag and argument mistakes of cmd and its subcommands
// usage errors (subcommands inherit the flag error function from their parent).
func withUsageErrors(cmd *cobra.Command) *cobra.Command {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return cmd
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == n:
			return nil
		case n == 0:
			return usageErrorf("%s takes no arguments, got %q; see `%s --help`", cmd.CommandPath(), args, cmd.CommandPath())
		}
		return usageErrorf("%s takes %d argument(s), got %d; see `%s --help`", cmd.CommandPath(), n, len(args), cmd.CommandPath())
	}
}

// groupCmd is a command that only holds subcommands: bare, it prints its help;
// followed by an unknown word, it is a usage error instead of cobra's silent help.
func groupCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageErrorf("unknown command %q for %q; see `%s --help`", args[0], cmd.CommandPath(), cmd.CommandPath())
		},
	}
	cmd.AddCommand(subs...)
	return withUsageErrors(cmd)
}
