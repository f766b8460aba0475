// Package notify defines what unyo says when an alert fires or an incident
// changes, and the one interface every notification channel implements.
//
// Each channel (Slack, Teams, email, signed webhook) lives in its own package
// below this one and knows only how to deliver a Message; the outbox decides
// when to send and, through the error classification in this package,
// whether a failed delivery is worth retrying.
package notify

import "context"

// Channel delivers a Message to one destination.
//
// Send returns nil once the destination has accepted the message. Any other
// result is retried by the outbox unless IsPermanent reports true; a delay
// asked for by the destination is available through RetryDelay.
// Implementations must be safe for concurrent use.
type Channel interface {
	Send(ctx context.Context, m Message) error
}
