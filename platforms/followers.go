package platforms

// A spam wave is what classify_followers warns the client about: enough new
// followers that the share means something, and too many of them spam or bots
// to be the usual trickle of active outreach. The rule lives here alone, so
// the sandbox's spam_wave flag and the alert the activities raise agree.
const (
	// SpamWaveMinFollowers is the fewest new followers a check must find for
	// a wave: a handful of bots among five followers is noise.
	SpamWaveMinFollowers = 10
	// SpamWaveOverPercent is the share of spam and bot accounts among them,
	// in whole percent rounded down (as SuspiciousPercent gives it), that a
	// wave exceeds. Outreach draws 10–20% on a normal week.
	SpamWaveOverPercent = 30
)

// SuspiciousPercent is suspicious as a share of total, in whole percent
// rounded down; 0 when there is nobody.
func SuspiciousPercent(total, suspicious int) int {
	if total <= 0 || suspicious <= 0 {
		return 0
	}
	return 100 * suspicious / total
}

// SpamWave says whether a check that found total new followers, suspicious of
// them spam or bots, is a spam wave: at least SpamWaveMinFollowers of them,
// and more than SpamWaveOverPercent percent suspicious.
func SpamWave(total, suspicious int) bool {
	return total >= SpamWaveMinFollowers && suspicious <= total &&
		SuspiciousPercent(total, suspicious) > SpamWaveOverPercent
}
