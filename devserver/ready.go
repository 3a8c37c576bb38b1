package devserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

const (
	// readyTimeout bounds the wait when the caller's context has no deadline,
	// so a server that never becomes healthy fails Start instead of hanging.
	readyTimeout = 2 * time.Minute
	pollInterval = 50 * time.Millisecond
	probeTimeout = 2 * time.Second
	// probeWorkflowID never exists; asking for it proves history answers.
	probeWorkflowID = "greenlight-devserver-readiness-probe"
)

// waitFrontend returns once a client could start a workflow in namespace: the
// frontend reports SERVING, knows the namespace, and history answers for it.
func waitFrontend(ctx context.Context, addr, namespace string, tc *tls.Config) error {
	creds := insecure.NewCredentials()
	if tc != nil {
		creds = credentials.NewTLS(tc)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds), grpc.WithNoProxy())
	if err != nil {
		return fmt.Errorf("devserver: dial frontend %s: %w", addr, err)
	}
	defer func() { _ = conn.Close() }()
	health := healthpb.NewHealthClient(conn)
	wf := workflowservice.NewWorkflowServiceClient(conn)

	probe := func(ctx context.Context) error {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: workflowservice.WorkflowService_ServiceDesc.ServiceName})
		if err != nil {
			return fmt.Errorf("health check: %w", err)
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health check: %s", resp.GetStatus())
		}
		if _, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace}); err != nil {
			return fmt.Errorf("describe namespace %q: %w", namespace, err)
		}
		_, err = wf.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
			Namespace: namespace,
			Execution: &commonpb.WorkflowExecution{WorkflowId: probeWorkflowID},
		})
		// A raw gRPC client sees status errors, not serviceerror types.
		if err != nil && status.Code(err) != codes.NotFound {
			return fmt.Errorf("history probe: %w", err)
		}
		return nil
	}
	if err := poll(ctx, probe); err != nil {
		return fmt.Errorf("devserver: frontend %s not ready: %w", addr, err)
	}
	return nil
}

// waitUI returns once the Web UI answers its health route.
func waitUI(ctx context.Context, baseURL string) error {
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	probe := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /healthz: %s", resp.Status)
		}
		return nil
	}
	if err := poll(ctx, probe); err != nil {
		return fmt.Errorf("devserver: web UI %s not ready: %w", baseURL, err)
	}
	return nil
}

// poll retries probe until it succeeds or ctx ends, and reports the last
// failure so a timeout says what was still wrong.
func poll(ctx context.Context, probe func(context.Context) error) error {
	var last error
	for {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		last = probe(pctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), last)
		case <-time.After(pollInterval):
		}
	}
}
