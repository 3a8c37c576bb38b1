package playbooks

import (
	"container/list"
	// determinism:ok: workflows on a worker share the cache, so its mutex is
	// native. Compiling is pure and a hit gives the program a miss would
	// compile, so the order workflows reach the cache in changes how fast an
	// answer comes, never what it is; nothing waits while holding the lock.
	"sync"
)

// Compiling is pure, so a compiled program can be shared by every workflow on a
// worker and by every validation: the cache changes how fast an answer comes,
// never what it is. Least recently used programs are dropped beyond a count and
// a size (a program grows with its source), so playbooks registered over months
// do not grow the worker's memory.
const (
	programCacheSize  = 2048
	programCacheBytes = 8 << 20
)

type cacheKey struct {
	src   string
	shape string // the environment it was compiled against
}

type programCache struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int        // sum of cost over the entries
	order    *list.List // front: most recently used; values are *cacheEntry
	byKey    map[cacheKey]*list.Element
}

type cacheEntry struct {
	key cacheKey
	val *compiled
}

var programs = newProgramCache(programCacheSize, programCacheBytes)

func newProgramCache(max, maxBytes int) *programCache {
	return &programCache{max: max, maxBytes: maxBytes, order: list.New(), byKey: map[cacheKey]*list.Element{}}
}

// cost approximates an entry's memory: its key, and a program about as large.
func (k cacheKey) cost() int { return 2*len(k.src) + len(k.shape) }

func (c *programCache) get(k cacheKey) (*compiled, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).val, true
}

func (c *programCache) put(k cacheKey, v *compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		c.order.MoveToFront(e)
		return
	}
	if k.cost() > c.maxBytes/16 {
		return // one huge expression must not flush everything else
	}
	c.byKey[k] = c.order.PushFront(&cacheEntry{key: k, val: v})
	c.bytes += k.cost()
	for c.order.Len() > c.max || c.bytes > c.maxBytes {
		last := c.order.Back()
		c.order.Remove(last)
		key := last.Value.(*cacheEntry).key
		delete(c.byKey, key)
		c.bytes -= key.cost()
	}
}

func (c *programCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
