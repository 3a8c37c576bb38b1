package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// A store names its deployment: every process that shares the store is one
// Greenlight deployment, and all of them run its campaigns on one task queue,
// chosen once and kept here: `greenlight` for the first deployment of a
// namespace, a queue named after the deployment for any other
// (workflows.TaskQueueFor), so two deployments that share a Temporal
// namespace (a dev instance and a server, say) never take each other's
// campaigns.

// Deployment is the store's one row of identity.
type Deployment struct {
	ID        string    `gorm:"primaryKey;size:32"`
	CreatedAt time.Time `gorm:"not null"`
	// TaskQueue is where the deployment's campaigns run; "" until chosen.
	TaskQueue string `gorm:"size:200;not null;default:''"`
}

// TableName keeps the table's name independent of GORM's pluralisation.
func (Deployment) TableName() string { return "deployment" }

// Deployment returns the store's deployment, naming it on first use; every
// process of the deployment, racing or not, reads the same one.
func (s *Store) Deployment(ctx context.Context) (Deployment, error) {
	var d Deployment
	if err := s.conn(ctx).Order("created_at").Limit(1).Find(&d).Error; err != nil {
		return d, fmt.Errorf("store: unable to read the deployment: %w", err)
	}
	if d.ID != "" {
		d.CreatedAt = utc(d.CreatedAt)
		return d, nil
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return d, fmt.Errorf("store: unable to name the deployment: %w", err)
	}
	err := s.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := advisoryLock(tx, s.dialect, deploymentLockClass); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Deployment{}).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Deployment{ID: hex.EncodeToString(b), CreatedAt: utc(time.Now())}).Error
	})
	if err != nil {
		return d, fmt.Errorf("store: unable to name the deployment: %w", err)
	}
	return s.Deployment(ctx)
}

// deploymentLockClass namespaces the lock that names a deployment once (ASCII "GLdp").
const deploymentLockClass = 0x474c6470

// UnfinishedBefore reports whether a campaign created before t is still
// unfinished: such a campaign may run on the task queue all deployments
// shared before they were named.
func (s *Store) UnfinishedBefore(ctx context.Context, t time.Time) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(&Campaign{}).Where("created_at < ? AND status NOT IN ?", utc(t), finishedStatuses).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: unable to count older campaigns: %w", err)
	}
	return n > 0, nil
}

// ChooseTaskQueue keeps tq as the deployment's task queue unless one was
// chosen already, and returns the deployment as it now stands: the first
// choice stays, so every process of a deployment, and every restart, uses
// the same queue.
func (s *Store) ChooseTaskQueue(ctx context.Context, id, tq string) (Deployment, error) {
	if err := s.conn(ctx).Model(&Deployment{}).Where("id = ? AND task_queue = ''", id).Update("task_queue", tq).Error; err != nil {
		return Deployment{}, fmt.Errorf("store: unable to keep the deployment's task queue: %w", err)
	}
	return s.Deployment(ctx)
}
