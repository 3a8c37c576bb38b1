package api

// Campaign statuses.
const (
	StatusRunning         = "running"
	StatusWaitingApproval = "waiting_approval"
	StatusPaused          = "paused" // no new step starts; deadlines keep running
	StatusCompleted       = "completed"
	StatusFailed          = "failed"
	StatusCanceled        = "canceled"
)

// Step statuses.
const (
	StepRunning         = "running"
	StepWaitingApproval = "waiting_approval"
	StepCompleted       = "completed"
	StepSkipped         = "skipped"
	StepFailed          = "failed"
	StepCanceled        = "canceled"
)

// Approval statuses. Expired means the timeout policy decided; Policy says which.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	ApprovalExpired  = "expired"
)

// Decisions a person can take.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)
