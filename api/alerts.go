package api

// NoticeAlert is the kind of notice that tells a client's account owner of
// something a campaign found on the client's accounts, rather than of an
// approval: it asks for no decision.
const NoticeAlert = "alert"

// AlertSpamWave is the type of alert raised when classify_followers finds a
// wave of spam or bot followers (platforms.SpamWave); it is also the webhook
// event type subscribers receive.
const AlertSpamWave = "followers.spam_wave"

// RoleAccountOwner is the role, in the people directory, of the person who
// looks after a client's social accounts. Alerts go to the people of the
// client holding it, or to every person of the client when nobody does.
const RoleAccountOwner = "account-owner"
