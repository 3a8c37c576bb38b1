package notify

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPermanentSurvivesWrapping(t *testing.T) {
	base := errors.New("550 no such user")
	err := fmt.Errorf("email: send: %w", Permanent(base))
	assert.True(t, IsPermanent(err))
	assert.ErrorIs(t, err, base)
	assert.Equal(t, "email: send: 550 no such user", err.Error())
	assert.False(t, IsPermanent(base))
	assert.False(t, IsPermanent(nil))
	assert.NoError(t, Permanent(nil))
}

func TestRetryAfterIsCarriedByTransientErrorsOnly(t *testing.T) {
	err := fmt.Errorf("slack: post: %w", &RetryAfterError{Err: errors.New("rate limited"), After: 30 * time.Second})
	d, ok := RetryAfter(err)
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, d)
	assert.False(t, IsPermanent(err))

	_, ok = RetryAfter(Permanent(err))
	assert.False(t, ok, "a permanent error is not retried, whatever it asked")
	_, ok = RetryAfter(errors.New("timeout"))
	assert.False(t, ok)
}

func TestClassifyHTTP(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		status     int
		retryAfter string
		permanent  bool
		after      time.Duration // -1: none
	}{
		{400, "", true, -1},
		{401, "", true, -1},
		{404, "", true, -1},
		{410, "5", true, -1},
		{301, "", true, -1},
		{408, "", false, -1},
		{425, "", false, -1},
		{429, "17", false, 17 * time.Second},
		{429, "soon", false, -1},
		{429, "-3", false, -1},
		{429, "99999999999999", false, 24 * time.Hour},
		{500, "", false, -1},
		{503, "120", false, 2 * time.Minute},
		{503, future, false, time.Hour},
	} {
		name := fmt.Sprintf("%d %q", tc.status, tc.retryAfter)
		err := ClassifyHTTP(tc.status, tc.retryAfter, errors.New("webhook: refused"))
		assert.Equal(t, tc.permanent, IsPermanent(err), name)
		assert.Contains(t, err.Error(), "webhook: refused", name)
		d, ok := RetryAfter(err)
		if tc.after < 0 {
			assert.False(t, ok, name)
			continue
		}
		assert.True(t, ok, name)
		assert.InDelta(t, tc.after.Seconds(), d.Seconds(), 5, name)
	}
	assert.EqualError(t, ClassifyHTTP(404, "", nil), "HTTP 404")
}
