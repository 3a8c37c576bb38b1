package server

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestKeyedLocksSerialisePerKey(t *testing.T) {
	var k keyedLocks
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := k.lock(context.Background(), "a")
			require.NoError(t, err)
			n := inside.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), most.Load(), "one holder at a time")
	require.Empty(t, k.locks, "no entry outlives its holders")
}

func TestKeyedLocksOtherKeysAndCancel(t *testing.T) {
	var k keyedLocks
	unlockA, err := k.lock(context.Background(), "a")
	require.NoError(t, err)

	unlockB, err := k.lock(context.Background(), "b")
	require.NoError(t, err, "another key is not blocked")
	unlockB()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = k.lock(ctx, "a")
	require.ErrorIs(t, err, context.DeadlineExceeded, "a waiter gives up with its context")

	unlockA()
	require.Empty(t, k.locks)
	unlockA2, err := k.lock(context.Background(), "a")
	require.NoError(t, err, "free again once released")
	unlockA2()
}
