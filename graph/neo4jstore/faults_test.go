package neo4jstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/aimsgraph/aimsgraph/graph"
)

// A cluster's leader change and a dropped connection are retried within the budget, then
// reported as the store being unavailable; a bad query is neither.
func TestTransientFaults(t *testing.T) {
	notLeader := &neo4j.Neo4jError{Code: "Neo.ClientError.Cluster.NotALeader", Msg: "No write operations are allowed on this database"}
	unavailableDB := &neo4j.Neo4jError{Code: "Neo.TransientError.General.DatabaseUnavailable", Msg: "database unavailable"}
	syntax := &neo4j.Neo4jError{Code: "Neo.ClientError.Statement.SyntaxError", Msg: "bad"}
	dropped := &neo4j.ConnectivityError{Inner: errors.New("connection reset by peer")}
	for _, tc := range []struct {
		err                error
		transient, unavail bool
	}{
		{notLeader, true, true},
		{unavailableDB, true, true},
		{dropped, true, true},
		{&neo4j.TransactionExecutionLimit{Cause: "timeout", Errors: []error{dropped}}, true, true},
		{syntax, false, false},
		{errors.New("other"), false, false},
	} {
		if got := transient(tc.err); got != tc.transient {
			t.Errorf("transient(%v) = %v", tc.err, got)
		}
		if got := errors.Is(wrapErr(tc.err), graph.ErrUnavailable); got != tc.unavail {
			t.Errorf("wrapErr(%v) unavailable = %v", tc.err, got)
		}
	}

	// A leader change that settles after two tries is invisible to the caller.
	calls := 0
	err := retryTransient(context.Background(), func() error {
		calls++
		if calls < 3 {
			return notLeader
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("retried %d times, err %v; want success on the third", calls, err)
	}
	// One that does not settle ends within the budget.
	start := time.Now()
	calls = 0
	err = retryTransient(context.Background(), func() error { calls++; return notLeader })
	if err != notLeader || time.Since(start) > retryBudget+100*time.Millisecond || calls < 3 {
		t.Errorf("gave up after %v and %d calls with %v", time.Since(start), calls, err)
	}
	// A bad query is not retried.
	calls = 0
	_ = retryTransient(context.Background(), func() error { calls++; return syntax })
	if calls != 1 {
		t.Errorf("a syntax error was tried %d times", calls)
	}
}
