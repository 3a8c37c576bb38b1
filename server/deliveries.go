package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/greenlight/greenlight/api"
)

// listDeliveries answers what went out about an approval: to whom, when,
// through which channel, and what failed.
func (s *Server) listDeliveries(c *gin.Context) {
	a, ok := s.approvalOr404(c)
	if !ok {
		return
	}
	list, err := s.store.ApprovalDeliveries(c.Request.Context(), a.ID)
	if err != nil {
		s.internal(c, "could not read the approval's deliveries", err)
		return
	}
	items := make([]api.DeliveryView, 0, len(list))
	for _, d := range list {
		items = append(items, api.DeliveryView{
			Kind: d.Kind, Seq: d.Seq, Person: d.PersonID, Channel: d.Channel, Address: d.Address,
			Status: d.Status, Attempts: d.Attempts, Ref: d.Ref, Error: d.Error,
			CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, SentAt: d.SentAt,
		})
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
