package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiClient calls the child's HTTP API as its admin, as a user's script would.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func newAPIClient(base, token string) *apiClient {
	// Its own transport: no proxy from the environment on the way to a local
	// child, and enough idle connections for the highest concurrency, so that
	// every request reuses one instead of paying a TCP handshake the raw
	// side's gRPC connection never pays.
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	return &apiClient{base: base, token: token, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// do sends body (JSON, or raw bytes as they are) and decodes a JSON answer
// into out when the status is want; any other status is an error with the
// answer's text.
func (a *apiClient) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("bench: encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("bench: %s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, msg)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	} else {
		err = json.NewDecoder(resp.Body).Decode(out)
	}
	if err != nil {
		return fmt.Errorf("bench: %s %s: read answer: %w", method, path, err)
	}
	return nil
}

// goMetrics reads the child's Go runtime gauges from its /metrics.
type goMetrics struct {
	HeapMB     float64
	Goroutines float64
}

func (a *apiClient) goMetrics(ctx context.Context) (goMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/metrics", nil)
	if err != nil {
		return goMetrics{}, fmt.Errorf("bench: metrics: %w", err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return goMetrics{}, fmt.Errorf("bench: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return goMetrics{}, fmt.Errorf("bench: metrics: status %d", resp.StatusCode)
	}
	vals := scrapeGauges(resp.Body, "go_memstats_heap_alloc_bytes", "go_goroutines")
	heap, ok1 := vals["go_memstats_heap_alloc_bytes"]
	gor, ok2 := vals["go_goroutines"]
	if !ok1 || !ok2 {
		return goMetrics{}, fmt.Errorf("bench: /metrics has no go_memstats_heap_alloc_bytes or go_goroutines")
	}
	return goMetrics{HeapMB: heap / (1 << 20), Goroutines: gor}, nil
}

// scrapeGauges reads unlabelled samples of the named metrics from the
// Prometheus text format.
func scrapeGauges(r io.Reader, names ...string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for _, n := range names {
			if f[0] == n {
				if v, err := strconv.ParseFloat(f[1], 64); err == nil {
					out[n] = v
				}
			}
		}
	}
	return out
}
