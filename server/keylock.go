package server

import (
	"context"
	"sync"
)

// keyedLocks serialises work per key (here: decisions per approval) within the
// process. Temporal admits only 10 in-flight Updates per workflow; a burst on one
// approval would otherwise overflow that and answer 429-like errors instead of
// clean 409s. Waiting is cancellable, and a key's entry lives only while someone
// holds or waits for it, so the map does not grow with every approval ever decided.
type keyedLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	slot chan struct{} // holds one token while locked
	refs int           // holders and waiters
}

// lock waits for key's lock or for ctx to end; the returned func releases it.
func (k *keyedLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{slot: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()

	select {
	case l.slot <- struct{}{}:
		return func() {
			<-l.slot
			k.forget(key, l)
		}, nil
	case <-ctx.Done():
		k.forget(key, l)
		return nil, ctx.Err()
	}
}

func (k *keyedLocks) forget(key string, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l.refs--
	if l.refs == 0 {
		delete(k.locks, key)
	}
}
