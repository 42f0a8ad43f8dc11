package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want options
	}{
		{"flags before", []string{"--json", "list"}, options{command: "list", json: true}},
		{"flags after", []string{"list", "--json"}, options{command: "list", json: true}},
		{"single dash", []string{"list", "-json", "-dry-run"}, options{command: "list", json: true, dryRun: true}},
		{"flags between IDs", []string{"accept", "a", "--json", "b", "--timeout=1m", "c"}, options{command: "accept", ids: []string{"a", "b", "c"}, json: true, timeout: time.Minute}},
		{"repeated IDs answered once", []string{"reject", "a", "b", "a"}, options{command: "reject", ids: []string{"a", "b"}}},
		{"all pending with orgs", []string{"accept", "--all-pending", "--org", "o1", "--org=o2"}, options{command: "accept", allPending: true, orgs: []string{"o1", "o2"}}},
		{"-- ends the flags", []string{"get", "--json", "--", "-odd-id"}, options{command: "get", ids: []string{"-odd-id"}, json: true}},
		{"base URL", []string{"--base-url", "http://127.0.0.1:1/client/v4/", "list"}, options{command: "list", baseURL: "http://127.0.0.1:1/client/v4/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseArgs(tt.args)
			require.NoError(t, err)
			if tt.want.timeout == 0 {
				tt.want.timeout = 5 * time.Minute
			}
			if tt.want.ids == nil {
				tt.want.ids = []string{}
			}
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestParseArgsRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"--json"}, "no command"},
		{[]string{"lst"}, `unknown command "lst"`},
		{[]string{"list", "x"}, "list takes no argument"},
		{[]string{"get"}, "get takes one invitation ID"},
		{[]string{"get", "a", "b"}, "get takes one invitation ID"},
		{[]string{"accept"}, "accept needs invitation IDs, or --all-pending"},
		{[]string{"reject", "a", "--all-pending"}, "not both"},
		{[]string{"list", "--all-pending"}, "--all-pending goes with accept or reject"},
		{[]string{"accept", "a", "--org", "o"}, "--org goes with --all-pending"},
		{[]string{"accept", "--all-pending", "--org", ""}, "1 to 32 characters"},
		{[]string{"accept", "--all-pending", "--org", "a b"}, "without spaces"},
		{[]string{"list", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"list", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"list", "--timeout", "soon"}, "invalid value"},
	}
	for _, tt := range tests {
		_, err := parseArgs(tt.args)
		require.Error(t, err, "%q", tt.args)
		assert.Contains(t, err.Error(), tt.want, "%q", tt.args)
		assert.NotErrorIs(t, err, errHelp)
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"list", "-h"}, {"help"}, {"accept", "x", "--help"}} {
		_, err := parseArgs(args)
		assert.ErrorIs(t, err, errHelp, "%q", args)
	}
}
