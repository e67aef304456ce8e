package neo4jstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/aimsgraph/aimsgraph/graph"
)

// Store faults (docs/operations.md, "Store faults"): a question to a Neo4j that is down must be
// answered "unavailable" within about two seconds, not after the driver's defaults (a minute to
// acquire a connection, 30 s of retries with back-off from two seconds). Once Neo4j is back, the
// pool's dead connections are found by the liveness check or on first use, and the next
// questions succeed without a restart.
const (
	connectTimeout = time.Second             // a TCP connect to Neo4j
	acquireTimeout = time.Second             // waiting for a pooled connection
	livenessAfter  = 5 * time.Second         // a connection idle longer is checked before use
	retryBudget    = 1500 * time.Millisecond // retrying transient failures, within the 2 s
	firstRetry     = 50 * time.Millisecond   // then doubling
)

// configureDriver sets the driver's timeouts. Its own retries are turned off (they back off from
// two seconds); retryTransient retries instead, on a budget.
func configureDriver(c *config.Config) {
	c.SocketConnectTimeout = connectTimeout
	c.ConnectionAcquisitionTimeout = acquireTimeout
	c.ConnectionLivenessCheckTimeout = livenessAfter
	c.MaxTransactionRetryTime = time.Nanosecond
}

// retryTransient calls do until it succeeds, fails for good, or the retry budget is spent.
func retryTransient(ctx context.Context, do func() error) error {
	deadline := time.Now().Add(retryBudget)
	delay := firstRetry
	for {
		err := do()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().Add(delay).After(deadline) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay *= 2
	}
}

// transient reports whether err may go away when the call is tried again: the driver says it is
// retryable (a dropped or refused connection, a pool timeout, a cluster member that is no longer
// the leader, a database briefly unavailable), also inside the driver's retry-limit error.
func transient(err error) bool {
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &limit) {
		return slices.ContainsFunc(limit.Errors, transient)
	}
	return neo4j.IsRetryable(err)
}

// wrapErr marks failures to reach the store as ErrUnavailable, so callers can tell them from bad
// queries: connectivity errors and transient ones that outlasted the retry budget.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	if neo4j.IsConnectivityError(err) || transient(err) {
		return fmt.Errorf("%w: %v", graph.ErrUnavailable, err)
	}
	return err
}
