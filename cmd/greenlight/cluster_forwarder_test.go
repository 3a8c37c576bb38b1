package main

import (
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// forwarder is the cluster test's load balancer in front of the Temporal
// frontends, as a Kubernetes Service is: each new connection goes to the next
// backend that accepts it, round robin. It keeps no health state of its own: a
// killed node refuses connections at once, so the next backend is tried.
// Connections already open to a node die with it, and the gRPC clients
// reconnect through the forwarder.
type forwarder struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	mu       sync.Mutex
	routed   map[string]int // connections per backend
	refused  int            // connections no backend took
}

func newForwarder(cs *children) *forwarder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cs.t.Fatal(err)
	}
	f := &forwarder{ln: ln, routed: map[string]int{}}
	var wg sync.WaitGroup
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.serve(conn)
			}()
		}
	}()
	cs.cleanup(func() {
		_ = ln.Close()
		// Every child is killed before this runs, so the pipes end.
		wg.Wait()
	})
	return f
}

func (f *forwarder) addr() string { return f.ln.Addr().String() }

// add puts a backend behind the forwarder.
func (f *forwarder) add(backend string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.backends = append(f.backends, backend)
}

// serve pipes conn to the first backend, from the next in turn, that accepts.
func (f *forwarder) serve(conn net.Conn) {
	defer conn.Close()
	start := int(f.next.Add(1))
	f.mu.Lock()
	backends := slices.Clone(f.backends)
	f.mu.Unlock()
	var up net.Conn
	for i := range backends {
		b := backends[(start+i)%len(backends)]
		c, err := net.DialTimeout("tcp", b, time.Second)
		if err == nil {
			up = c
			f.mu.Lock()
			f.routed[b]++
			f.mu.Unlock()
			break
		}
	}
	if up == nil {
		f.mu.Lock()
		f.refused++
		f.mu.Unlock()
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Either side ending ends both: a dead node must not leave the
		// client on a half-open connection.
		_ = dst.Close()
		_ = src.Close()
		done <- struct{}{}
	}
	go pipe(up, conn)
	go pipe(conn, up)
	<-done
	<-done
}

// counts returns the connections routed to each backend and those refused.
func (f *forwarder) counts() (map[string]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]int, len(f.routed))
	for k, v := range f.routed {
		m[k] = v
	}
	return m, f.refused
}
