package devserver

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// uiStopTimeout bounds how long Stop waits for the UI's serve loop to return.
const uiStopTimeout = 10 * time.Second

// webUI runs the Temporal Web UI with the assets embedded in ui-server.
type webUI struct {
	srv  *uiserver.Server
	done chan struct{}
}

func newWebUI(ui endpoint, frontendAddr, namespace string, ft *frontendTLS, codecEndpoint string) (w *webUI, err error) {
	// ui-server panics on configuration it cannot use; turn that into an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("devserver: build web UI: %v", r)
		}
	}()
	srv := uiserver.NewServer(server_options.WithConfigProvider(&uiconfig.Config{
		TemporalGRPCAddress: frontendAddr,
		TLS:                 ft.uiTLS(),
		// ui-server formats "host:port" itself, so IPv6 needs its brackets here.
		Host:             bracketIPv6(ui.bindIP),
		Port:             ui.port,
		EnableUI:         true,
		DefaultNamespace: namespace,
		// Plain http on localhost: a Secure cookie would never be sent back.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// No outbound calls from a dev tool that must work offline.
		DisableNewsFetch: true,
		// The sign-in to the codec is a cookie (Greenlight's /codec/session):
		// the UI has no Greenlight token to pass.
		Codec: uiconfig.Codec{Endpoint: codecEndpoint, IncludeCredentials: codecEndpoint != ""},
	}))
	return &webUI{srv: srv, done: make(chan struct{})}, nil
}

// start serves in the background because ui-server's Start blocks. Its port
// must be free: on a bind error ui-server exits the process.
func (w *webUI) start(logger *slog.Logger) {
	go func() {
		defer close(w.done)
		if err := w.srv.Start(); err != nil {
			logger.Error("devserver: web UI stopped", "error", err)
		}
	}()
}

func (w *webUI) stop() error {
	w.srv.Stop()
	select {
	case <-w.done:
		return nil
	case <-time.After(uiStopTimeout):
		return errors.New("devserver: web UI did not stop in time")
	}
}

func bracketIPv6(ip string) string {
	if strings.Contains(ip, ":") {
		return "[" + ip + "]"
	}
	return ip
}
