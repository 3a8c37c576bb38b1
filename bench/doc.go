// Package bench measures Greenlight against the raw Temporal SDK on the same
// embedded server, and the store against plain SQL: `greenlight bench`.
//
// It starts its own `greenlight dev` as a child process (the binary it runs in),
// so the memory it reports is the dev stack's alone, never the benchmark's. Each
// comparison runs both sides in the same process against the same server, in
// alternating order round after round, and reports the ratio: absolute numbers
// depend on the machine, ratios much less, so the regression check compares
// ratios (see docs/benchmarks.md).
package bench
