package server

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPISpec is the hand-maintained description of every route; the end-to-end
// conformance test (app/openapi_e2e_test.go) keeps it and the handlers in step.
//
//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPISpec returns the OpenAPI document the server serves at /openapi.yaml.
func OpenAPISpec() []byte { return openAPISpec }

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/yaml", openAPISpec)
}

// Route is one entry of the route table, with gin's path syntax (":id").
type Route struct {
	Method string
	Path   string
}

// Routes lists the route table, so a test can check that the OpenAPI document
// describes every route the server answers, and nothing it does not.
func (s *Server) Routes() []Route {
	infos := s.engine.Routes()
	out := make([]Route, 0, len(infos))
	for _, r := range infos {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}
